//! An in-memory `IBStream`: what `IComponent::getState` writes into and `setState` reads from.

use std::cell::{Cell, RefCell};
use std::ffi::c_void;
use vst3::Class;
use vst3::Steinberg::IBStream_::IStreamSeekMode_::{kIBSeekCur, kIBSeekEnd, kIBSeekSet};
use vst3::Steinberg::{IBStream, IBStreamTrait, int32, int64, kInvalidArgument, kResultOk, tresult};

/// A growable byte buffer with a cursor, like the SDK's `MemoryStream`: writes past the end
/// extend it, seeking past the end is allowed, reads stop at the end.
pub(super) struct MemoryStream {
    bytes: RefCell<Vec<u8>>,
    cursor: Cell<usize>,
}

impl MemoryStream {
    /// A stream over `bytes`, positioned at the start.
    pub(super) fn new(bytes: Vec<u8>) -> Self {
        Self { bytes: RefCell::new(bytes), cursor: Cell::new(0) }
    }

    /// Takes the contents out, leaving the stream empty.
    pub(super) fn take_bytes(&self) -> Vec<u8> {
        self.cursor.set(0);
        self.bytes.take()
    }

    /// Moves the cursor back to the start, so the same bytes can be read again.
    pub(super) fn rewind(&self) {
        self.cursor.set(0);
    }
}

impl Class for MemoryStream {
    type Interfaces = (IBStream,);
}

impl IBStreamTrait for MemoryStream {
    unsafe fn read(&self, buffer: *mut c_void, num_bytes: int32, num_bytes_read: *mut int32) -> tresult {
        let Ok(requested) = usize::try_from(num_bytes) else {
            return kInvalidArgument;
        };
        if buffer.is_null() && requested > 0 {
            return kInvalidArgument;
        }
        let bytes = self.bytes.borrow();
        let start = self.cursor.get().min(bytes.len());
        let count = requested.min(bytes.len() - start);
        if count > 0 {
            // SAFETY: the caller's buffer is non-null (checked above), holds `num_bytes >= count`
            // bytes and does not alias our vector; `start + count <= bytes.len()`.
            unsafe {
                std::ptr::copy_nonoverlapping(bytes.as_ptr().add(start), buffer.cast::<u8>(), count);
            }
        }
        self.cursor.set(start + count);
        if !num_bytes_read.is_null() {
            // SAFETY: non-null out-pointer from the caller; `count <= num_bytes` fits in `int32`.
            unsafe { num_bytes_read.write(count as int32) };
        }
        kResultOk
    }

    unsafe fn write(&self, buffer: *mut c_void, num_bytes: int32, num_bytes_written: *mut int32) -> tresult {
        let Ok(count) = usize::try_from(num_bytes) else {
            return kInvalidArgument;
        };
        if buffer.is_null() && count > 0 {
            return kInvalidArgument;
        }
        let start = self.cursor.get();
        let Some(end) = start.checked_add(count) else {
            return kInvalidArgument;
        };
        let mut bytes = self.bytes.borrow_mut();
        if end > bytes.len() {
            bytes.resize(end, 0);
        }
        if count > 0 {
            // SAFETY: the caller's buffer is non-null (checked above), holds `count` readable
            // bytes and does not alias our vector, which was just grown to `start + count` bytes.
            unsafe {
                std::ptr::copy_nonoverlapping(buffer.cast::<u8>(), bytes.as_mut_ptr().add(start), count);
            }
        }
        self.cursor.set(end);
        if !num_bytes_written.is_null() {
            // SAFETY: non-null out-pointer from the caller.
            unsafe { num_bytes_written.write(num_bytes) };
        }
        kResultOk
    }

    unsafe fn seek(&self, pos: int64, mode: int32, result: *mut int64) -> tresult {
        // The modes are `DefaultEnumType`: u32 here, i32 on Windows.
        #[allow(clippy::unnecessary_cast)]
        let (set, current, end) = (kIBSeekSet as int32, kIBSeekCur as int32, kIBSeekEnd as int32);
        let base = match mode {
            m if m == set => 0,
            m if m == current => self.cursor.get(),
            m if m == end => self.bytes.borrow().len(),
            _ => return kInvalidArgument,
        };
        let target = i64::try_from(base)
            .ok()
            .and_then(|base| base.checked_add(pos))
            .and_then(|target| usize::try_from(target).ok());
        let Some(target) = target else {
            return kInvalidArgument;
        };
        self.cursor.set(target);
        if !result.is_null() {
            // SAFETY: non-null out-pointer from the caller; `target` came from an `i64`.
            unsafe { result.write(target as int64) };
        }
        kResultOk
    }

    unsafe fn tell(&self, pos: *mut int64) -> tresult {
        if pos.is_null() {
            return kInvalidArgument;
        }
        // SAFETY: non-null out-pointer from the caller.
        unsafe { pos.write(self.cursor.get() as int64) };
        kResultOk
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use vst3::ComWrapper;

    fn write(stream: &MemoryStream, data: &[u8]) -> i32 {
        let mut written = 0;
        // SAFETY: `data` is readable for its length; `written` is a valid out-pointer.
        let result = unsafe { stream.write(data.as_ptr() as *mut c_void, data.len() as int32, &mut written) };
        assert_eq!(result, kResultOk);
        written
    }

    fn read(stream: &MemoryStream, count: usize) -> Vec<u8> {
        let mut buffer = vec![0u8; count];
        let mut read = 0;
        // SAFETY: `buffer` is writable for `count` bytes; `read` is a valid out-pointer.
        let result = unsafe { stream.read(buffer.as_mut_ptr().cast(), count as int32, &mut read) };
        assert_eq!(result, kResultOk);
        buffer.truncate(read as usize);
        buffer
    }

    fn seek(stream: &MemoryStream, pos: i64, mode: u32) -> Option<i64> {
        let mut result = 0;
        // SAFETY: `result` is a valid out-pointer.
        (unsafe { stream.seek(pos, mode as int32, &mut result) } == kResultOk).then_some(result)
    }

    fn tell(stream: &MemoryStream) -> i64 {
        let mut pos = -1;
        // SAFETY: `pos` is a valid out-pointer.
        assert_eq!(unsafe { stream.tell(&mut pos) }, kResultOk);
        pos
    }

    #[test]
    fn write_then_read_back() {
        let stream = MemoryStream::new(Vec::new());
        assert_eq!(write(&stream, b"hello "), 6);
        assert_eq!(write(&stream, b"world"), 5);
        assert_eq!(tell(&stream), 11);
        stream.rewind();
        assert_eq!(read(&stream, 5), b"hello");
        assert_eq!(read(&stream, 100), b" world");
        assert_eq!(read(&stream, 1), b"");
        assert_eq!(stream.take_bytes(), b"hello world");
    }

    #[test]
    fn seek_modes_measure_the_stream_like_nice_plug_does() {
        let stream = MemoryStream::new(b"0123456789".to_vec());
        assert_eq!(seek(&stream, 4, kIBSeekSet), Some(4));
        assert_eq!(seek(&stream, 2, kIBSeekCur), Some(6));
        assert_eq!(seek(&stream, 0, kIBSeekEnd), Some(10));
        assert_eq!(seek(&stream, -3, kIBSeekEnd), Some(7));
        assert_eq!(read(&stream, 10), b"789");
        assert_eq!(seek(&stream, -1, kIBSeekSet), None);
        assert_eq!(seek(&stream, 0, 7), None);
    }

    #[test]
    fn writing_after_a_seek_overwrites_and_extends() {
        let stream = MemoryStream::new(b"abcdef".to_vec());
        seek(&stream, 4, kIBSeekSet);
        write(&stream, b"XYZ");
        assert_eq!(stream.take_bytes(), b"abcdXYZ");
    }

    #[test]
    fn works_through_the_com_interface() {
        let stream = ComWrapper::new(MemoryStream::new(b"state".to_vec()));
        let com = stream.to_com_ptr::<IBStream>().unwrap();
        let mut buffer = [0u8; 8];
        let mut read = 0;
        // SAFETY: `com` points to `stream`; `buffer` and `read` are valid.
        let result = unsafe { com.read(buffer.as_mut_ptr().cast(), 8, &mut read) };
        assert_eq!((result, read), (kResultOk, 5));
        assert_eq!(&buffer[..5], b"state");
    }
}

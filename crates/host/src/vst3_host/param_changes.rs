//! `IParameterChanges` carrying queued parameter changes into the next block.
//!
//! nice-plug's VST3 wrapper ignores `IEditController::setParamNormalized` while processing (it
//! expects the host to send the same change through the process call), so this is the path that
//! actually changes a parameter of a running plugin.

use std::cell::RefCell;
use std::ptr::null_mut;
use vst3::Steinberg::Vst::{
    IParamValueQueue, IParamValueQueueTrait, IParameterChanges, IParameterChangesTrait, ParamID, ParamValue,
};
use vst3::Steinberg::{int32, kInvalidArgument, kResultOk, tresult};
use vst3::{Class, ComWrapper};

/// One queue per changed parameter, in the order they were first changed.
pub(super) struct ParameterChanges {
    queues: RefCell<Vec<ComWrapper<ParamValueQueue>>>,
}

impl ParameterChanges {
    pub(super) fn new() -> Self {
        Self { queues: RefCell::new(Vec::new()) }
    }

    /// Sets `id` to the normalized `value` at `offset` in the next block; a later change to the
    /// same parameter at the same offset before that block replaces this one.
    pub(super) fn set(&self, id: ParamID, offset: i32, value: ParamValue) {
        let index = self.queue_index(id);
        self.queues.borrow()[index].add_point(offset, value);
    }

    /// Forgets all changes, once a block has delivered them.
    pub(super) fn clear(&self) {
        self.queues.borrow_mut().clear();
    }

    /// Index of the queue for `id`, created if needed.
    fn queue_index(&self, id: ParamID) -> usize {
        let mut queues = self.queues.borrow_mut();
        match queues.iter().position(|queue| queue.id == id) {
            Some(index) => index,
            None => {
                queues.push(ComWrapper::new(ParamValueQueue { id, points: RefCell::new(Vec::new()) }));
                queues.len() - 1
            }
        }
    }

    /// A borrowed COM pointer to queue `index` (VST3 hands these out without a reference); it
    /// stays valid until [`clear`](Self::clear), as the queue lives on the heap.
    fn queue_ptr(&self, index: usize) -> *mut IParamValueQueue {
        self.queues.borrow().get(index).map_or(null_mut(), |queue| {
            queue.as_com_ref::<IParamValueQueue>().map_or(null_mut(), |queue| queue.as_ptr())
        })
    }
}

impl Class for ParameterChanges {
    type Interfaces = (IParameterChanges,);
}

impl IParameterChangesTrait for ParameterChanges {
    unsafe fn getParameterCount(&self) -> int32 {
        int32::try_from(self.queues.borrow().len()).unwrap_or(int32::MAX)
    }

    unsafe fn getParameterData(&self, index: int32) -> *mut IParamValueQueue {
        usize::try_from(index).map_or(null_mut(), |index| self.queue_ptr(index))
    }

    unsafe fn addParameterData(&self, id: *const ParamID, index: *mut int32) -> *mut IParamValueQueue {
        if id.is_null() {
            return null_mut();
        }
        // SAFETY: non-null pointer to a parameter id from the caller.
        let queue_index = self.queue_index(unsafe { id.read() });
        if !index.is_null() {
            // SAFETY: non-null out-pointer from the caller.
            unsafe { index.write(int32::try_from(queue_index).unwrap_or(int32::MAX)) };
        }
        self.queue_ptr(queue_index)
    }
}

/// The changes of one parameter within a block, sorted by sample offset.
pub(super) struct ParamValueQueue {
    id: ParamID,
    points: RefCell<Vec<(int32, ParamValue)>>,
}

impl ParamValueQueue {
    /// Inserts a point in offset order, replacing a point at the same offset; returns its index.
    fn add_point(&self, offset: int32, value: ParamValue) -> usize {
        let mut points = self.points.borrow_mut();
        let index = points.partition_point(|(o, _)| *o < offset);
        match points.get_mut(index) {
            Some(point) if point.0 == offset => point.1 = value,
            _ => points.insert(index, (offset, value)),
        }
        index
    }
}

impl Class for ParamValueQueue {
    type Interfaces = (IParamValueQueue,);
}

impl IParamValueQueueTrait for ParamValueQueue {
    unsafe fn getParameterId(&self) -> ParamID {
        self.id
    }

    unsafe fn getPointCount(&self) -> int32 {
        int32::try_from(self.points.borrow().len()).unwrap_or(int32::MAX)
    }

    unsafe fn getPoint(&self, index: int32, sample_offset: *mut int32, value: *mut ParamValue) -> tresult {
        let points = self.points.borrow();
        let point = usize::try_from(index).ok().and_then(|i| points.get(i));
        match point {
            Some(&(offset, point_value)) if !sample_offset.is_null() && !value.is_null() => {
                // SAFETY: non-null out-pointers from the caller.
                unsafe {
                    sample_offset.write(offset);
                    value.write(point_value);
                }
                kResultOk
            }
            _ => kInvalidArgument,
        }
    }

    unsafe fn addPoint(&self, sample_offset: int32, value: ParamValue, index: *mut int32) -> tresult {
        let point_index = self.add_point(sample_offset, value);
        if !index.is_null() {
            // SAFETY: non-null out-pointer from the caller.
            unsafe { index.write(int32::try_from(point_index).unwrap_or(int32::MAX)) };
        }
        kResultOk
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use vst3::ComRef;

    fn point(queue: *mut IParamValueQueue, index: i32) -> (i32, f64) {
        let (mut offset, mut value) = (-1, -1.0);
        // SAFETY: `queue` came from a live `ParameterChanges`; the out-pointers are valid.
        let result = unsafe { ComRef::from_raw(queue).unwrap().getPoint(index, &mut offset, &mut value) };
        assert_eq!(result, kResultOk);
        (offset, value)
    }

    #[test]
    fn changes_are_grouped_per_parameter_and_the_last_one_wins() {
        let changes = ComWrapper::new(ParameterChanges::new());
        changes.set(5, 0, 0.25);
        changes.set(7, 0, 0.1);
        changes.set(5, 0, 0.75);
        let com = changes.to_com_ptr::<IParameterChanges>().unwrap();
        // SAFETY: `com` points to `changes`, which outlives these calls.
        unsafe {
            assert_eq!(com.getParameterCount(), 2);
            let first = com.getParameterData(0);
            let first_ref = ComRef::from_raw(first).unwrap();
            assert_eq!(first_ref.getParameterId(), 5);
            assert_eq!(first_ref.getPointCount(), 1);
            assert_eq!(point(first, 0), (0, 0.75));
            assert_eq!(ComRef::from_raw(com.getParameterData(1)).unwrap().getParameterId(), 7);
            assert!(com.getParameterData(2).is_null());
        }
        changes.clear();
        // SAFETY: as above.
        assert_eq!(unsafe { com.getParameterCount() }, 0);
    }

    #[test]
    fn plugin_side_additions_keep_points_sorted() {
        let changes = ComWrapper::new(ParameterChanges::new());
        let com = changes.to_com_ptr::<IParameterChanges>().unwrap();
        let mut index = -1;
        // SAFETY: `com` points to `changes`; the id and out-pointers are valid.
        unsafe {
            let queue = com.addParameterData(&9, &mut index);
            assert_eq!(index, 0);
            let queue_ref = ComRef::from_raw(queue).unwrap();
            queue_ref.addPoint(10, 0.5, &mut index);
            queue_ref.addPoint(2, 0.2, &mut index);
            assert_eq!(index, 0);
            assert_eq!(point(queue, 0), (2, 0.2));
            assert_eq!(point(queue, 1), (10, 0.5));
            assert_eq!(com.addParameterData(&9, &mut index), queue);
        }
    }
}

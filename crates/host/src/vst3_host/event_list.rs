//! An `IEventList` the host owns: one carries the block's input notes to the plugin, another
//! collects the notes the plugin emits.

use std::cell::RefCell;
use vst3::Class;
use vst3::Steinberg::Vst::{Event, IEventList, IEventListTrait};
use vst3::Steinberg::{int32, kInvalidArgument, kResultOk, tresult};

/// Events in insertion order. Single-threaded by design: the host calls `process` from the same
/// thread that reads the list, so a `RefCell` is enough.
pub(super) struct EventList {
    events: RefCell<Vec<Event>>,
}

impl EventList {
    /// An empty list with room for a busy block, so the plugin's `addEvent` calls rarely allocate.
    pub(super) fn new() -> Self {
        Self { events: RefCell::new(Vec::with_capacity(256)) }
    }

    /// Replaces the contents with `events`.
    pub(super) fn fill(&self, events: impl IntoIterator<Item = Event>) {
        let mut list = self.events.borrow_mut();
        list.clear();
        list.extend(events);
    }

    /// Removes and returns all events, keeping the allocation.
    pub(super) fn drain(&self) -> Vec<Event> {
        self.events.borrow_mut().drain(..).collect()
    }
}

impl Class for EventList {
    type Interfaces = (IEventList,);
}

impl IEventListTrait for EventList {
    unsafe fn getEventCount(&self) -> int32 {
        int32::try_from(self.events.borrow().len()).unwrap_or(int32::MAX)
    }

    unsafe fn getEvent(&self, index: int32, e: *mut Event) -> tresult {
        let events = self.events.borrow();
        let event = usize::try_from(index).ok().and_then(|i| events.get(i));
        match event {
            Some(event) if !e.is_null() => {
                // SAFETY: the caller passes a valid, writable `Event`, checked non-null above.
                unsafe { e.write(*event) };
                kResultOk
            }
            _ => kInvalidArgument,
        }
    }

    unsafe fn addEvent(&self, e: *mut Event) -> tresult {
        if e.is_null() {
            return kInvalidArgument;
        }
        // SAFETY: the caller passes a valid `Event`, checked non-null above.
        self.events.borrow_mut().push(unsafe { e.read() });
        kResultOk
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::mem::MaybeUninit;
    use vst3::ComWrapper;
    use vst3::Steinberg::Vst::Event_::EventTypes_::kNoteOffEvent;
    use vst3::Steinberg::Vst::{Event__type0, NoteOffEvent};

    fn note_off(offset: i32, pitch: i16) -> Event {
        Event {
            busIndex: 0,
            sampleOffset: offset,
            ppqPosition: 0.0,
            flags: 0,
            r#type: kNoteOffEvent as u16,
            __field0: Event__type0 {
                noteOff: NoteOffEvent { channel: 0, pitch, velocity: 0.0, noteId: -1, tuning: 0.0 },
            },
        }
    }

    #[test]
    fn events_round_trip_through_the_com_interface() {
        let list = ComWrapper::new(EventList::new());
        let com = list.to_com_ptr::<IEventList>().unwrap();
        // SAFETY: `com` is a live pointer to `list`; the events are valid.
        unsafe {
            assert_eq!(com.addEvent(&mut note_off(3, 60)), kResultOk);
            assert_eq!(com.addEvent(&mut note_off(5, 62)), kResultOk);
            assert_eq!(com.getEventCount(), 2);
            let mut event = MaybeUninit::<Event>::uninit();
            assert_eq!(com.getEvent(1, event.as_mut_ptr()), kResultOk);
            let event = event.assume_init();
            assert_eq!((event.sampleOffset, event.__field0.noteOff.pitch), (5, 62));
            let mut spare = note_off(0, 0);
            assert_eq!(com.getEvent(2, &mut spare), kInvalidArgument);
            assert_eq!(com.getEvent(-1, &mut spare), kInvalidArgument);
        }
        let drained = list.drain();
        assert_eq!(drained.len(), 2);
        // SAFETY: both events were written as note offs.
        assert_eq!(unsafe { drained[0].__field0.noteOff.pitch }, 60);
        // SAFETY: `com` is still live.
        assert_eq!(unsafe { com.getEventCount() }, 0);
    }

    #[test]
    fn fill_replaces_previous_events() {
        let list = EventList::new();
        list.fill([note_off(0, 1), note_off(1, 2)]);
        list.fill([note_off(2, 3)]);
        let events = list.drain();
        assert_eq!(events.len(), 1);
        assert_eq!(events[0].sampleOffset, 2);
    }
}

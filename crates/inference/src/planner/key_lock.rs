//! The key lock: which chords a new chord may be. Any chord, the chords of one key, or those of
//! the key the melody was in over the last two bars heard (the plugin's `Key: Auto`).

use comper_music::Token;
use comper_music::spelling::{HEARD_FRAMES, Spelling};
use serde::{Deserialize, Serialize};

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub enum KeyLock {
    /// Any chord.
    #[default]
    Any,
    /// The key the melody heard so far is in ([`Spelling::heard`]); any chord before a note.
    Heard,
    /// The chords this key holds ([`Spelling::holds`]).
    Key(Spelling),
}

impl KeyLock {
    /// The lock a musician names: "Any", "Auto" (the key heard), or a key as
    /// [`Spelling::parse`] reads it ("F", "D minor").
    pub fn parse(text: &str) -> Option<KeyLock> {
        match text.trim().to_ascii_lowercase().as_str() {
            "any" => Some(KeyLock::Any),
            "auto" => Some(KeyLock::Heard),
            _ => Spelling::parse(text).map(KeyLock::Key),
        }
    }

    pub fn is_any(&self) -> bool {
        *self == KeyLock::Any
    }

    /// How a report names it.
    pub fn describe(self) -> String {
        match self {
            KeyLock::Any => "any chord".into(),
            KeyLock::Heard => "chords kept in the key heard over the last two bars".into(),
            KeyLock::Key(key) => format!("chords kept in {}", key.name()),
        }
    }

    /// The key new chords keep to after `melody` (the session's melody so far, oldest first).
    pub fn key_after<'a>(self, melody: impl DoubleEndedIterator<Item = &'a Token> + Clone) -> Option<Spelling> {
        match self {
            KeyLock::Any => None,
            KeyLock::Key(key) => Some(key),
            KeyLock::Heard => Spelling::heard(melody.rev().take(HEARD_FRAMES)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn on_heard_the_lock_is_the_key_of_the_last_two_bars() {
        let f_major = [65u8, 69, 72, 70].map(Token::note_on);
        let c_major = [60u8, 62, 64, 65, 67, 69, 71, 72].map(Token::note_on);
        assert_eq!(KeyLock::Heard.key_after(std::iter::empty()), None, "nothing heard yet: any chord");
        assert_eq!(KeyLock::Heard.key_after([Token::SILENCE; 8].iter()), None);
        assert_eq!(KeyLock::Heard.key_after(f_major.iter()), Spelling::parse("F"));
        // Eight bars in C, then two in F: only the last two bars count.
        let song: Vec<Token> =
            c_major.iter().cycle().take(128).chain(f_major.iter().cycle().take(HEARD_FRAMES)).copied().collect();
        assert_eq!(KeyLock::Heard.key_after(song.iter()), Spelling::parse("F"));
        assert_eq!(KeyLock::Any.key_after(f_major.iter()), None);
        assert_eq!(KeyLock::Key(Spelling::parse("D").unwrap()).key_after(f_major.iter()), Spelling::parse("D"));
        let parsed = ["Any", " auto", "F", "D minor", "H"].map(KeyLock::parse);
        assert_eq!(parsed[..2], [Some(KeyLock::Any), Some(KeyLock::Heard)]);
        assert_eq!(parsed[2], Spelling::parse("F").map(KeyLock::Key));
        assert_eq!(parsed[3], parsed[2], "D minor is F major's key");
        assert_eq!(parsed[4], None);
    }
}

//! `cargo xtask install`: a release bundle copied, resources included, where hosts look for
//! plugins: `~/.clap` and `~/.vst3` on Linux, `~/Library/Audio/Plug-Ins/CLAP` and `VST3` on
//! macOS, `%COMMONPROGRAMFILES%\CLAP` and `VST3` on Windows (an administrator's shell there).

use super::bundle;
use anyhow::Context;
use std::ffi::OsString;
use std::path::{Path, PathBuf};

pub fn run() -> anyhow::Result<()> {
    let bundles = bundle::bundle(&["comper".into(), "--release".into()])?;
    let (clap_dir, vst3_dir) = plugin_dirs(std::env::consts::OS, |name| std::env::var_os(name))?;
    std::fs::create_dir_all(&clap_dir)?;
    std::fs::create_dir_all(&vst3_dir)?;
    copy_tree(&bundles.clap, &clap_dir.join("Comper.clap"))?;
    let clap_resources = bundles.clap_resources();
    if !clap_resources.starts_with(&bundles.clap) {
        copy_tree(&clap_resources, &clap_dir.join(bundle::CLAP_RESOURCES))?;
    }
    copy_tree(&bundles.vst3, &vst3_dir.join("Comper.vst3"))?;
    println!("installed Comper.clap into {} and Comper.vst3 into {}", clap_dir.display(), vst3_dir.display());
    Ok(())
}

/// The CLAP and VST3 folders on `os` (as `std::env::consts::OS` names it), the ones both
/// specs tell hosts to search; `var` reads an environment variable. Linux and macOS have
/// per-user folders; on Windows the VST3 spec names only the system-wide one.
fn plugin_dirs(os: &str, var: impl Fn(&str) -> Option<OsString>) -> anyhow::Result<(PathBuf, PathBuf)> {
    let dir = |name: &str| var(name).map(PathBuf::from).with_context(|| format!("{name} is not set"));
    let (base, clap, vst3) = match os {
        "windows" => (dir("COMMONPROGRAMFILES")?, "CLAP", "VST3"),
        "macos" => (dir("HOME")?.join("Library/Audio/Plug-Ins"), "CLAP", "VST3"),
        _ => (dir("HOME")?, ".clap", ".vst3"),
    };
    Ok((base.join(clap), base.join(vst3)))
}

/// Copy a file, or a folder recursively, replacing what was there.
fn copy_tree(from: &Path, to: &Path) -> anyhow::Result<()> {
    if from.is_dir() {
        std::fs::create_dir_all(to)?;
        for entry in std::fs::read_dir(from)? {
            let entry = entry?;
            copy_tree(&entry.path(), &to.join(entry.file_name()))?;
        }
    } else {
        std::fs::copy(from, to).with_context(|| format!("copying {} to {}", from.display(), to.display()))?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// An environment with `HOME` and Windows' `COMMONPROGRAMFILES`.
    fn env(name: &str) -> Option<OsString> {
        match name {
            "HOME" => Some("/home/me".into()),
            "COMMONPROGRAMFILES" => Some(r"C:\Program Files\Common Files".into()),
            _ => None,
        }
    }

    #[test]
    fn install_linux_into_the_dot_folders() {
        let (clap, vst3) = plugin_dirs("linux", env).unwrap();
        assert_eq!((clap, vst3), (PathBuf::from("/home/me/.clap"), PathBuf::from("/home/me/.vst3")));
    }

    #[test]
    fn install_macos_into_the_library_plug_ins() {
        let (clap, vst3) = plugin_dirs("macos", env).unwrap();
        let plug_ins = Path::new("/home/me/Library/Audio/Plug-Ins");
        assert_eq!((clap, vst3), (plug_ins.join("CLAP"), plug_ins.join("VST3")));
    }

    #[test]
    fn install_windows_into_the_common_files() {
        let (clap, vst3) = plugin_dirs("windows", env).unwrap();
        let common = Path::new(r"C:\Program Files\Common Files");
        assert_eq!((clap, vst3), (common.join("CLAP"), common.join("VST3")));
    }

    #[test]
    fn install_says_which_variable_is_missing() {
        let error = plugin_dirs("windows", |_| None).unwrap_err();
        assert!(error.to_string().contains("COMMONPROGRAMFILES"), "{error}");
    }
}

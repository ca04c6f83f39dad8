//! Where the model files and ONNX Runtime are, so that the binary works outside the checkout it was built
//! in: copied next to its files, installed under a prefix, or run from `target/` of a checkout.
//!
//! The models directory, first found wins:
//! 1. `--models DIR`;
//! 2. `$SIMFACE_MODELS`;
//! 3. `models/` beside the executable;
//! 4. `../share/simface/models` relative to the executable's directory (an install under a prefix:
//!    `PREFIX/bin/simface`, `PREFIX/share/simface/models`);
//! 5. `models/` of the nearest directory above the executable that holds `models/manifest.json` (a build
//!    inside the checkout: `target/release/simface` finds the checkout's `models/`).
//!
//! ONNX Runtime's library (`libonnxruntime.so` on Linux), first found wins:
//! 1. `--ort-lib PATH`;
//! 2. `$ORT_DYLIB_PATH`;
//! 3. the library beside the executable;
//! 4. the library in `lib/` beside the executable;
//! 5. the library in `../lib` relative to the executable's directory (`PREFIX/lib`, beside
//!    `PREFIX/share/simface/models` of an install);
//! 6. `.tools/lib/` of the nearest directory above the executable that has one (the checkout, where
//!    `make setup` installs it).
//!
//! The variable is `SIMFACE_MODELS`, not `SIMFACE_MODELS_DIR`: `scripts/setup.sh` reads
//! `SIMFACE_MODELS_DIR` as the place it copies the original models FROM into the checkout's `models/`,
//! where it also makes the int8 models. Someone who exported it for set-up would otherwise have the CLI
//! load from that source directory, which has no int8 models and whose files set-up did not verify.
//!
//! An explicit choice (option or variable) is never skipped silently: if it names nothing, that is the
//! error. The executable's own directory comes from [`std::env::current_exe`], which on Linux resolves
//! symbolic links, so a `simface` linked into `~/.local/bin` still finds the files beside the real one. When
//! nothing is found, the error names what is missing, every place looked at and how to fix it.

use std::ffi::OsString;
use std::path::{Path, PathBuf};

/// The environment variable naming the models directory.
pub const MODELS_ENV: &str = "SIMFACE_MODELS";
/// The environment variable naming ONNX Runtime's library (the name `ort` itself reads).
pub const ORT_ENV: &str = "ORT_DYLIB_PATH";

/// What the lookups read from the process: its environment and where its executable is. A value, so that
/// the precedence can be tested without touching the test process's environment.
pub struct Surroundings {
    /// The directory of the running executable, or why it is unknown.
    exe_dir: Result<PathBuf, String>,
    vars: Vec<(String, OsString)>,
}

impl Surroundings {
    /// The running process's.
    pub fn of_this_process() -> Self {
        let exe_dir =
            std::env::current_exe().map_err(|e| format!("the executable's path is unknown ({e})")).and_then(|exe| {
                exe.parent().map(Path::to_path_buf).ok_or_else(|| "the executable has no directory".into())
            });
        let vars = [MODELS_ENV, ORT_ENV]
            .into_iter()
            .filter_map(|name| std::env::var_os(name).map(|value| (name.to_string(), value)))
            .collect();
        Self { exe_dir, vars }
    }

    #[cfg(test)]
    fn new(exe_dir: &Path, vars: &[(&str, &str)]) -> Self {
        Self {
            exe_dir: Ok(exe_dir.to_path_buf()),
            vars: vars.iter().map(|(k, v)| (k.to_string(), OsString::from(v))).collect(),
        }
    }

    /// The variable's value; set but empty counts as unset, as `ORT_DYLIB_PATH` does for `ort`.
    fn var(&self, name: &str) -> Option<PathBuf> {
        self.vars.iter().find(|(k, v)| k == name && !v.is_empty()).map(|(_, v)| PathBuf::from(v))
    }
}

/// File name of ONNX Runtime's shared library on this platform (`libonnxruntime.so` on Linux).
pub fn ort_file_name() -> String {
    format!("{}onnxruntime{}", std::env::consts::DLL_PREFIX, std::env::consts::DLL_SUFFIX)
}

/// The models directory (see the module's documentation for the order).
pub fn models_dir(option: Option<&Path>, around: &Surroundings) -> anyhow::Result<PathBuf> {
    let is_dir = |p: &Path| p.is_dir();
    // The manifest is compiled in, so the error can list the files even where no checkout is at hand.
    let files: Vec<&str> = simface::models::manifest().models.iter().map(|m| m.file.as_str()).collect();
    let fix = format!(
        "pass --models DIR or set SIMFACE_MODELS=DIR, or put a models/ directory beside the executable; it holds \
         the model files ({}; `make setup` fills models/ of the checkout)",
        files.join(", ")
    );
    let looked = Lookup {
        what: "the models directory",
        option: ("--models", option),
        var: MODELS_ENV,
        beside_exe: &[Path::new("models"), Path::new("../share/simface/models")],
        in_checkout: Path::new("models"),
        checkout_marker: Path::new("models/manifest.json"),
        accept: &is_dir,
        fix: &fix,
    };
    looked.find(around)
}

/// ONNX Runtime's shared library (see the module's documentation for the order).
pub fn ort_library(option: Option<&Path>, around: &Surroundings) -> anyhow::Result<PathBuf> {
    let file = ort_file_name();
    let in_lib = Path::new("lib").join(&file);
    let in_prefix_lib = Path::new("../lib").join(&file);
    let in_tools = Path::new(".tools/lib").join(&file);
    let is_file = |p: &Path| p.is_file();
    let fix = format!(
        "pass --ort-lib PATH or set ORT_DYLIB_PATH=PATH to ONNX Runtime 1.30's {file}, or put it (or a link to it) \
         beside the executable, in lib/ beside it or in ../lib from it; `make setup` installs one in .tools/lib of the checkout"
    );
    let looked = Lookup {
        what: "ONNX Runtime",
        option: ("--ort-lib", option),
        var: ORT_ENV,
        beside_exe: &[Path::new(&file), &in_lib, &in_prefix_lib],
        in_checkout: &in_tools,
        checkout_marker: &in_tools,
        accept: &is_file,
        fix: &fix,
    };
    looked.find(around)
}

/// One search: an option, a variable, places relative to the executable, then up through its ancestors.
struct Lookup<'a> {
    what: &'a str,
    option: (&'a str, Option<&'a Path>),
    var: &'a str,
    /// Relative to the executable's directory.
    beside_exe: &'a [&'a Path],
    /// Relative to the first ancestor of the executable's directory that holds `checkout_marker`.
    in_checkout: &'a Path,
    checkout_marker: &'a Path,
    accept: &'a dyn Fn(&Path) -> bool,
    fix: &'a str,
}

impl Lookup<'_> {
    fn find(&self, around: &Surroundings) -> anyhow::Result<PathBuf> {
        let (flag, option) = self.option;
        if let Some(path) = option {
            return self.explicit(path, flag);
        }
        if let Some(path) = around.var(self.var) {
            return self.explicit(&path, &format!("${}", self.var));
        }
        let mut looked = vec![format!("{flag} (not given)"), format!("${} (not set)", self.var)];
        match &around.exe_dir {
            Ok(dir) => {
                for rel in self.beside_exe {
                    let candidate = dir.join(rel);
                    if (self.accept)(&candidate) {
                        return Ok(candidate);
                    }
                    looked.push(candidate.display().to_string());
                }
                if let Some(root) = dir.ancestors().find(|d| d.join(self.checkout_marker).exists()) {
                    let candidate = root.join(self.in_checkout);
                    if (self.accept)(&candidate) {
                        return Ok(candidate);
                    }
                }
                looked.push(format!(
                    "{} in {} and every directory above it",
                    self.checkout_marker.display(),
                    dir.display()
                ));
            }
            Err(why) => looked.push(format!("beside the executable: {why}")),
        }
        anyhow::bail!("{} was not found. Looked at:\n  - {}\nTo fix: {}.", self.what, looked.join("\n  - "), self.fix)
    }

    /// A path the user named: used if it is what is needed, else the error (never a silent fallback).
    fn explicit(&self, path: &Path, source: &str) -> anyhow::Result<PathBuf> {
        if (self.accept)(path) {
            Ok(path.to_path_buf())
        } else {
            anyhow::bail!("{} was not found at {} (from {source}). To fix: {}.", self.what, path.display(), self.fix)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A fresh directory under the system's temporary directory, removed when dropped.
    struct Scratch(PathBuf);

    impl Scratch {
        fn new(name: &str) -> Self {
            let dir = std::env::temp_dir().join(format!("simface-locate-{name}-{}", std::process::id()));
            let _ = std::fs::remove_dir_all(&dir);
            std::fs::create_dir_all(&dir).expect("temp dir");
            Self(dir)
        }

        fn dir(&self, rel: &str) -> PathBuf {
            let p = self.0.join(rel);
            std::fs::create_dir_all(&p).expect("mkdir");
            p
        }

        fn file(&self, rel: &str) -> PathBuf {
            let p = self.0.join(rel);
            std::fs::create_dir_all(p.parent().expect("parent")).expect("mkdir");
            std::fs::write(&p, b"").expect("write");
            p
        }
    }

    impl Drop for Scratch {
        fn drop(&mut self) {
            let _ = std::fs::remove_dir_all(&self.0);
        }
    }

    #[test]
    fn models_option_wins_over_variable_and_beside_the_executable() {
        let s = Scratch::new("models-order");
        let bin = s.dir("bin");
        s.dir("bin/models");
        let from_env = s.dir("env-models");
        let from_option = s.dir("option-models");
        let around = Surroundings::new(&bin, &[(MODELS_ENV, from_env.to_str().expect("utf-8"))]);
        assert_eq!(models_dir(Some(&from_option), &around).expect("found"), from_option);
        assert_eq!(models_dir(None, &around).expect("found"), from_env);
        assert_eq!(models_dir(None, &Surroundings::new(&bin, &[])).expect("found"), bin.join("models"));
    }

    #[test]
    fn models_are_found_under_share_of_the_prefix_then_in_a_checkout_above() {
        let s = Scratch::new("models-install");
        let bin = s.dir("prefix/bin");
        s.dir("prefix/share/simface/models");
        let found = models_dir(None, &Surroundings::new(&bin, &[])).expect("found");
        assert_eq!(found, bin.join("../share/simface/models"));

        let release = s.dir("checkout/target/release");
        s.file("checkout/models/manifest.json");
        let found = models_dir(None, &Surroundings::new(&release, &[])).expect("found");
        assert_eq!(found, s.0.join("checkout/models"));
    }

    #[test]
    fn a_models_variable_naming_nothing_is_an_error_not_a_fallback() {
        let s = Scratch::new("models-bad-env");
        let bin = s.dir("bin");
        s.dir("bin/models");
        let err = models_dir(None, &Surroundings::new(&bin, &[(MODELS_ENV, "/no/such/dir")])).expect_err("refused");
        assert!(err.to_string().contains("/no/such/dir (from $SIMFACE_MODELS)"), "{err}");
    }

    #[test]
    fn an_empty_models_variable_counts_as_unset() {
        let s = Scratch::new("models-empty-env");
        let bin = s.dir("bin");
        s.dir("bin/models");
        assert_eq!(models_dir(None, &Surroundings::new(&bin, &[(MODELS_ENV, "")])).expect("found"), bin.join("models"));
    }

    #[test]
    fn ort_is_found_by_option_variable_beside_in_lib_in_prefix_lib_then_in_the_checkouts_tools() {
        let s = Scratch::new("ort-order");
        let file = ort_file_name();
        let bin = s.dir("checkout/target/release");
        let tools = s.file(&format!("checkout/.tools/lib/{file}"));
        let none = Surroundings::new(&bin, &[]);
        assert_eq!(ort_library(None, &none).expect("found"), tools);
        s.file(&format!("checkout/target/lib/{file}"));
        assert_eq!(ort_library(None, &none).expect("found"), bin.join("../lib").join(&file));
        let in_lib = s.file(&format!("checkout/target/release/lib/{file}"));
        assert_eq!(ort_library(None, &none).expect("found"), in_lib);
        let beside = s.file(&format!("checkout/target/release/{file}"));
        assert_eq!(ort_library(None, &none).expect("found"), beside);
        let from_env = s.file("env/libort.so");
        let with_env = Surroundings::new(&bin, &[(ORT_ENV, from_env.to_str().expect("utf-8"))]);
        assert_eq!(ort_library(None, &with_env).expect("found"), from_env);
        let from_option = s.file("option/libort.so");
        assert_eq!(ort_library(Some(&from_option), &with_env).expect("found"), from_option);
    }

    #[test]
    fn nothing_found_names_every_place_looked_and_the_fix() {
        let s = Scratch::new("nothing");
        let bin = s.dir("alone");
        let around = Surroundings::new(&bin, &[]);
        let models = models_dir(None, &around).expect_err("nothing there").to_string();
        for expected in [
            "the models directory was not found",
            "--models (not given)",
            "$SIMFACE_MODELS (not set)",
            &bin.join("models").display().to_string(),
            &bin.join("../share/simface/models").display().to_string(),
            &format!("models/manifest.json in {} and every directory above it", bin.display()),
            "pass --models DIR",
        ] {
            assert!(models.contains(expected), "{expected:?} missing from: {models}");
        }
        let ort = ort_library(None, &around).expect_err("nothing there").to_string();
        let file = ort_file_name();
        for expected in [
            "ONNX Runtime was not found",
            "--ort-lib (not given)",
            "$ORT_DYLIB_PATH (not set)",
            &bin.join(&file).display().to_string(),
            &bin.join("lib").join(&file).display().to_string(),
            &bin.join("../lib").join(&file).display().to_string(),
            &format!(".tools/lib/{file} in {} and every directory above it", bin.display()),
            "pass --ort-lib PATH",
        ] {
            assert!(ort.contains(expected), "{expected:?} missing from: {ort}");
        }
    }
}

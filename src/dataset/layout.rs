//! Which class each file of a dataset belongs to, from its path alone: the class is the
//! first folder below the folder that all images share (`pets/cats/a.jpg` and
//! `pets/dogs/b.png` give `cats` and `dogs`; deeper folders stay in their class). A
//! single folder of images is one class named after it. System files, files that are not
//! images by their name and images outside any class folder are skipped and counted.

use std::collections::BTreeMap;

/// Image file extensions the app decodes (see `image`'s features in Cargo.toml).
pub const IMAGE_EXTENSIONS: [&str; 7] = ["jpg", "jpeg", "jfif", "png", "webp", "gif", "bmp"];
/// Class names are cut to this many characters.
pub const MAX_CLASS_NAME: usize = 80;

/// Why a file was not taken.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, serde::Serialize, serde::Deserialize)]
pub enum SkipReason {
    /// Hidden or operating-system files (`.DS_Store`, `__MACOSX/`, `Thumbs.db`).
    SystemFile,
    /// Not an image format the app reads, by its name.
    NotAnImage,
    /// An image directly in the top folder, outside any class folder.
    OutsideClassFolder,
}

impl SkipReason {
    /// How the summary names files skipped for this reason.
    pub fn describe(self) -> &'static str {
        match self {
            Self::SystemFile => "system files",
            Self::NotAnImage => "not images this app reads",
            Self::OutsideClassFolder => "outside any class folder",
        }
    }
}

/// Where each file of a dataset goes.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Layout {
    /// Class names in name order, each with the indices (into the paths given) of its images in path order.
    pub classes: Vec<(String, Vec<usize>)>,
    /// Files not taken: (path, why), in path order.
    pub skipped: Vec<(String, SkipReason)>,
}

impl Layout {
    /// The layout of these file paths (`/` or `\` separated; folders' own entries, ending in
    /// a separator, are ignored).
    pub fn of<'a>(paths: impl IntoIterator<Item = &'a str>) -> Self {
        let mut images: Vec<(usize, Vec<String>)> = Vec::new();
        let mut skipped = Vec::new();
        for (index, path) in paths.into_iter().enumerate() {
            let parts = components(path);
            let Some(name) = parts.last() else { continue };
            if path.ends_with(['/', '\\']) {
                continue;
            }
            if parts.iter().any(|p| is_system(p)) {
                skipped.push((path.to_string(), SkipReason::SystemFile));
            } else if !is_image_name(name) {
                skipped.push((path.to_string(), SkipReason::NotAnImage));
            } else {
                images.push((index, parts));
            }
        }
        let folders = |parts: &Vec<String>| parts.len() - 1;
        let shared = images.iter().map(|(_, p)| &p[..folders(p)]).reduce(common_prefix).map_or(0, <[String]>::len);
        let flat = images.iter().all(|(_, p)| folders(p) == shared);
        let mut classes: BTreeMap<String, Vec<usize>> = BTreeMap::new();
        let mut outside = Vec::new();
        for (index, parts) in images {
            let class = if flat { shared.checked_sub(1).map(|i| &parts[i]) } else { parts.get(shared).filter(|_| folders(&parts) > shared) };
            match class.map(|c| class_name(c)).filter(|c| !c.is_empty()) {
                Some(class) => classes.entry(class).or_default().push(index),
                None => outside.push((parts.join("/"), SkipReason::OutsideClassFolder)),
            }
        }
        skipped.extend(outside);
        Self { classes: classes.into_iter().collect(), skipped }
    }

    /// Images taken, over all classes.
    pub fn images(&self) -> usize {
        self.classes.iter().map(|(_, files)| files.len()).sum()
    }

    /// Skipped files counted by reason, in reason order.
    pub fn skipped_by_reason(&self) -> Vec<(SkipReason, usize)> {
        let mut counts: BTreeMap<SkipReason, usize> = BTreeMap::new();
        for (_, reason) in &self.skipped {
            *counts.entry(*reason).or_default() += 1;
        }
        counts.into_iter().collect()
    }
}

/// The path's folders and file name, either separator alike; roots (a leading separator,
/// a drive letter such as `C:`, `..`) are not folders of the dataset.
fn components(path: &str) -> Vec<String> {
    let mut parts: Vec<&str> = path.split(['/', '\\']).filter(|p| !p.is_empty() && *p != "." && *p != "..").collect();
    if parts.first().is_some_and(|first| is_drive(first)) {
        parts.remove(0);
    }
    parts.into_iter().map(str::to_string).collect()
}

fn is_drive(part: &str) -> bool {
    matches!(part.as_bytes(), [letter, b':'] if letter.is_ascii_alphabetic())
}

fn common_prefix<'a>(a: &'a [String], b: &'a [String]) -> &'a [String] {
    let same = a.iter().zip(b).take_while(|(x, y)| x == y).count();
    &a[..same]
}

fn is_system(part: &str) -> bool {
    part.starts_with('.') || part == "__MACOSX" || part.eq_ignore_ascii_case("Thumbs.db") || part.eq_ignore_ascii_case("desktop.ini")
}

/// Whether a file's name says it is an image the app reads.
pub fn is_image_name(name: &str) -> bool {
    name.rsplit_once('.').is_some_and(|(stem, extension)| !stem.is_empty() && IMAGE_EXTENSIONS.iter().any(|e| e.eq_ignore_ascii_case(extension)))
}

fn class_name(folder: &str) -> String {
    folder.trim().chars().filter(|c| !c.is_control()).take(MAX_CLASS_NAME).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(layout: &Layout) -> Vec<(&str, Vec<usize>)> {
        layout.classes.iter().map(|(n, f)| (n.as_str(), f.clone())).collect()
    }

    #[test]
    fn class_folders_below_a_shared_top_folder_are_the_classes() {
        let layout = Layout::of(["pets/cats/a.jpg", "pets/dogs/b.PNG", "pets/cats/indoor/c.webp", "pets/", "pets/dogs/"]);
        assert_eq!(names(&layout), vec![("cats", vec![0, 2]), ("dogs", vec![1])]);
        assert!(layout.skipped.is_empty());
    }

    #[test]
    fn junk_non_images_and_loose_images_are_skipped_and_counted() {
        let layout = Layout::of([
            "cats/a.jpg",
            "dogs/b.jpeg",
            "notes.txt",
            "__MACOSX/cats/._a.jpg",
            "cats/.DS_Store",
            "dogs/Thumbs.db",
            "cover.jpg",
            "dogs/scan.heic",
            "cats/jpg",
        ]);
        assert_eq!(names(&layout), vec![("cats", vec![0]), ("dogs", vec![1])]);
        assert_eq!(layout.skipped_by_reason(), vec![(SkipReason::SystemFile, 3), (SkipReason::NotAnImage, 3), (SkipReason::OutsideClassFolder, 1)]);
    }

    #[test]
    fn one_folder_of_images_is_one_class_named_after_it() {
        let layout = Layout::of(["holiday/cats/1.jpg", "holiday/cats/2.jpg"]);
        assert_eq!(names(&layout), vec![("cats", vec![0, 1])]);
        let loose = Layout::of(["1.jpg", "2.jpg"]);
        assert!(loose.classes.is_empty());
        assert_eq!(loose.skipped_by_reason(), vec![(SkipReason::OutsideClassFolder, 2)]);
    }

    #[test]
    fn windows_separators_and_odd_names_are_handled() {
        let layout = Layout::of(["set\\ants\\1.jpg", "set\\bees\\2.gif", "./set/bees/3.bmp", &format!("set/{}/4.jpg", "x".repeat(200))]);
        assert_eq!(layout.classes.len(), 3);
        assert_eq!(layout.classes[0].0, "ants");
        assert_eq!(layout.classes[2].0.chars().count(), MAX_CLASS_NAME);
        assert_eq!(layout.images(), 4);
        assert_eq!(Layout::of([]), Layout::default());
    }

    #[test]
    fn drive_letters_roots_and_parent_folders_are_not_classes() {
        let layout =
            Layout::of(["C:\\set\\cats\\1.jpg", "set/dogs/2.jpg", "/set/dogs/3.jpg", "\\set\\cats\\4.jpg", "..\\set\\cats\\5.jpg", "d:/set/dogs/6.png"]);
        assert_eq!(names(&layout), vec![("cats", vec![0, 3, 4]), ("dogs", vec![1, 2, 5])]);
        assert!(layout.skipped.is_empty(), "{:?}", layout.skipped);
        // A folder named like a drive below the top stays a class.
        assert_eq!(names(&Layout::of(["set/C:/1.jpg", "set/b/2.jpg"])), vec![("C:", vec![0]), ("b", vec![1])]);
    }
}

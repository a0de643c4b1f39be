//! A project's examples as a dataset `.zip`: one folder per class, each example's
//! thumbnail (the JPEG the project keeps) as `<class>/<id>.jpg`, so the same archive
//! imports back into the same classes.

use std::io::{Cursor, Write};

use zip::write::SimpleFileOptions;

use crate::train::project::Project;

/// The zip of `project`'s examples; folder names are the class names made safe for file
/// systems (and distinct, where two classes would clash).
pub fn dataset_zip(project: &Project) -> Result<Vec<u8>, String> {
    let mut zip = zip::ZipWriter::new(Cursor::new(Vec::new()));
    // JPEGs do not shrink further.
    let options = SimpleFileOptions::default().compression_method(zip::CompressionMethod::Stored).large_file(false);
    let mut folders: Vec<String> = Vec::new();
    for class in &project.classes {
        let mut folder = folder_name(&class.name);
        while folders.iter().any(|f| f.eq_ignore_ascii_case(&folder)) {
            folder.push('_');
        }
        for example in project.examples.iter().filter(|e| e.class == class.id) {
            zip.start_file(format!("{folder}/{}.jpg", example.id), options).map_err(|e| e.to_string())?;
            zip.write_all(&example.thumbnail).map_err(|e| e.to_string())?;
        }
        folders.push(folder);
    }
    Ok(zip.finish().map_err(|e| e.to_string())?.into_inner())
}

/// A folder name for a class: characters file systems refuse become `_`.
fn folder_name(class: &str) -> String {
    let name: String = class.chars().map(|c| if c.is_control() || r#"/\:*?"<>|"#.contains(c) { '_' } else { c }).collect();
    let name = name.trim().trim_start_matches('.').to_string();
    if name.is_empty() { "class".into() } else { name }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::dataset::archive::DatasetArchive;
    use crate::dataset::layout::Layout;
    use crate::train::project::Example;

    #[test]
    fn an_exported_dataset_imports_back_into_the_same_classes() {
        let mut project = Project::default();
        let cats = project.add_class("cats");
        let odd = project.add_class("a/b: c?");
        let clash = project.add_class("A_B_ C_");
        for (id, class) in [(0, cats), (1, odd), (2, cats), (3, clash)] {
            project.examples.push(Example { id, class, thumbnail: vec![id as u8; 10], features: vec![0.0; 2048] });
        }
        let bytes = dataset_zip(&project).unwrap();
        let mut archive = DatasetArchive::open(Cursor::new(bytes)).unwrap();
        let layout = Layout::of(archive.paths().iter().map(String::as_str));
        let names: Vec<_> = layout.classes.iter().map(|(n, f)| (n.as_str(), f.len())).collect();
        assert_eq!(names, [("A_B_ C__", 1), ("a_b_ c_", 1), ("cats", 2)]);
        assert_eq!(archive.read(layout.classes[2].1[1]).unwrap(), vec![2; 10]);
    }
}

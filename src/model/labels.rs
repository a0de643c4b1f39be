//! The 1000 ImageNet-1k class names, in class-index order (torchvision's list).

const CLASSES: &str = include_str!("imagenet_classes.txt");

/// Human-readable name of ImageNet class `index`, or `None` past 999.
pub fn imagenet_label(index: usize) -> Option<&'static str> {
    CLASSES.lines().nth(index)
}

/// All 1000 names, index order.
pub fn imagenet_labels() -> Vec<&'static str> {
    CLASSES.lines().collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn thousand_distinct_names_in_torchvision_order() {
        let labels = imagenet_labels();
        assert_eq!(labels.len(), 1000);
        assert_eq!(labels[0], "tench");
        assert_eq!(labels[207], "golden retriever");
        assert_eq!(labels[999], "toilet tissue");
        assert!(labels.iter().all(|l| !l.trim().is_empty()));
    }
}

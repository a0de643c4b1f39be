//! The 1000 ImageNet-1k class names, in class-index order (torchvision's list).

const CLASSES: &str = include_str!("imagenet_classes.txt");

/// Human-readable name of ImageNet class `index`, or `None` past 999.
pub fn imagenet_label(index: usize) -> Option<&'static str> {
    CLASSES.lines().nth(index)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn thousand_distinct_names_in_torchvision_order() {
        let labels: Vec<&str> = (0..1000).map_while(imagenet_label).collect();
        assert_eq!(labels.len(), 1000);
        assert_eq!(imagenet_label(1000), None);
        assert_eq!(labels[0], "tench");
        assert_eq!(labels[207], "golden retriever");
        assert_eq!(labels[999], "toilet tissue");
        assert!(labels.iter().all(|l| !l.trim().is_empty()));
        let distinct: std::collections::HashSet<&str> = labels.iter().copied().collect();
        assert_eq!(distinct.len(), 1000);
    }
}

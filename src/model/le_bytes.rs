//! Safetensors buffers hold little-endian words: decoding them into values and back.

/// A fixed-size number stored little-endian in a safetensors buffer.
pub trait LeWord: Sized + Copy {
    /// Bytes per value.
    const SIZE: usize;
    /// The value of exactly [`Self::SIZE`] little-endian bytes.
    fn from_le(bytes: &[u8]) -> Self;
    /// Appends the value's little-endian bytes to `out`.
    fn push_le(self, out: &mut Vec<u8>);
}

macro_rules! le_word {
    ($($t:ty),*) => {$(
        impl LeWord for $t {
            const SIZE: usize = size_of::<$t>();
            fn from_le(bytes: &[u8]) -> Self {
                <$t>::from_le_bytes(bytes.try_into().expect("chunk of the type's size"))
            }
            fn push_le(self, out: &mut Vec<u8>) {
                out.extend_from_slice(&self.to_le_bytes());
            }
        }
    )*};
}
le_word!(u32, u64, f32, f64);

/// The words of a buffer (a trailing partial word is ignored; callers check shapes first).
pub fn words<T: LeWord>(bytes: &[u8]) -> Vec<T> {
    bytes.chunks_exact(T::SIZE).map(T::from_le).collect()
}

/// The buffer of these words.
pub fn le_bytes<T: LeWord>(values: impl IntoIterator<Item = T>) -> Vec<u8> {
    let mut out = Vec::new();
    for value in values {
        value.push_le(&mut out);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn words_round_trip_in_little_endian() {
        let bytes = le_bytes([1.5f32, -2.0]);
        assert_eq!(bytes, [0, 0, 0xc0, 0x3f, 0, 0, 0, 0xc0]);
        assert_eq!(words::<f32>(&bytes), [1.5, -2.0]);
        assert_eq!(words::<u64>(&le_bytes([7u64, u64::MAX])), [7, u64::MAX]);
    }
}

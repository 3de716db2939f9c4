//! The receipt a public reporter gets (DESIGN §5): 16 characters of Crockford's base32,
//! shown as four groups of four (`7KQM-2XWD-9RTA-HB4E`):
//!
//! - characters 1–7, the **lookup** part (35 bits): the store finds the signal through a
//!   keyed hash of it;
//! - characters 8–15, the **secret** part (40 bits): checked with Argon2id, so a stolen
//!   database does not give working receipts;
//! - character 16, the **check** character, which catches typing mistakes before any
//!   lookup is made.
//!
//! Reading is forgiving the way Crockford's alphabet intends: case does not matter,
//! `I` and `L` read as `1`, `O` as `0`, and spaces and hyphens are ignored.
//!
//! The check character is Damm's algorithm over the quasigroup `x ∘ y = α·(x ⊕ y)` in
//! GF(32) (α the root of x⁵ + x² + 1). That operation is a quasigroup with a zero
//! diagonal and is weakly totally anti-symmetric (`(c∘x)∘y = (c∘y)∘x` only when
//! `x = y`, because α ∉ {0, 1}), so, as Damm proved, it detects every single
//! substitution and every transposition of two adjacent characters. Unrolled, the check
//! is the weighted sum Σ αᵏ·dₖ, so it also catches a swap of any two characters fewer
//! than 31 places apart. The tests below check both properties exhaustively.

use std::fmt;

/// Crockford's base32 alphabet (no I, L, O, U).
pub const ALPHABET: &[u8; 32] = b"0123456789ABCDEFGHJKMNPQRSTVWXYZ";

/// Characters of the lookup part.
pub const LOOKUP_LEN: usize = 7;
/// Characters of the secret part.
pub const SECRET_LEN: usize = 8;
/// Characters of a whole receipt, check character included.
pub const RECEIPT_LEN: usize = LOOKUP_LEN + SECRET_LEN + 1;
/// Random bytes needed to make a receipt (75 bits are used).
pub const RANDOM_BYTES: usize = 10;

/// A receipt that was read correctly (its check character matches).
#[derive(Clone, PartialEq, Eq)]
pub struct Receipt {
    /// The 16 symbols, values 0–31.
    symbols: [u8; RECEIPT_LEN],
}

impl fmt::Debug for Receipt {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Receipt({}-…)", &self.lookup())
    }
}

/// Why a typed receipt could not be read.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ReceiptError {
    /// Nothing was typed.
    Empty,
    /// Not 16 characters (after spaces and hyphens are removed).
    Length(usize),
    /// A character that is not in the alphabet.
    Character(char),
    /// The check character does not match: a typing mistake somewhere.
    Check,
}

/// `x ∘ y = α·(x ⊕ y)` in GF(32) with the polynomial x⁵ + x² + 1.
fn op(x: u8, y: u8) -> u8 {
    let v = (x ^ y) & 31;
    let shifted = v << 1;
    if shifted & 32 != 0 { (shifted ^ 0b10_0101) & 31 } else { shifted }
}

/// Damm's interim digit over `symbols`; a correct receipt ends at 0.
fn damm(symbols: &[u8]) -> u8 {
    symbols.iter().fold(0, |acc, &d| op(acc, d))
}

fn value_of(c: char) -> Option<u8> {
    let c = match c.to_ascii_uppercase() {
        'I' | 'L' => '1',
        'O' => '0',
        other => other,
    };
    ALPHABET.iter().position(|&a| char::from(a) == c).and_then(|p| u8::try_from(p).ok())
}

impl Receipt {
    /// A new receipt from random bytes (the caller draws them from the operating
    /// system's generator).
    pub fn from_random(bytes: &[u8; RANDOM_BYTES]) -> Self {
        let mut symbols = [0u8; RECEIPT_LEN];
        let mut bits: u128 = 0;
        for b in bytes {
            bits = (bits << 8) | u128::from(*b);
        }
        for s in symbols.iter_mut().take(RECEIPT_LEN - 1) {
            *s = (bits & 31) as u8;
            bits >>= 5;
        }
        symbols[RECEIPT_LEN - 1] = damm(&symbols[..RECEIPT_LEN - 1]);
        Self { symbols }
    }

    /// Read a typed receipt: forgiving about case, spaces, hyphens and look-alike
    /// letters, strict about the check character.
    pub fn parse(typed: &str) -> Result<Self, ReceiptError> {
        let chars: Vec<char> = typed.chars().filter(|c| !c.is_whitespace() && *c != '-').collect();
        if chars.is_empty() {
            return Err(ReceiptError::Empty);
        }
        if chars.len() != RECEIPT_LEN {
            return Err(ReceiptError::Length(chars.len()));
        }
        let mut symbols = [0u8; RECEIPT_LEN];
        for (s, c) in symbols.iter_mut().zip(&chars) {
            *s = value_of(*c).ok_or(ReceiptError::Character(*c))?;
        }
        if damm(&symbols) != 0 {
            return Err(ReceiptError::Check);
        }
        Ok(Self { symbols })
    }

    /// A receipt from its first 15 characters, with the check character computed: for
    /// tools and tests that need a well-formed receipt with chosen parts.
    pub fn with_check(first: &str) -> Result<Self, ReceiptError> {
        let chars: Vec<char> = first.chars().filter(|c| !c.is_whitespace() && *c != '-').collect();
        if chars.len() != RECEIPT_LEN - 1 {
            return Err(ReceiptError::Length(chars.len()));
        }
        let mut symbols = [0u8; RECEIPT_LEN];
        for (s, c) in symbols.iter_mut().zip(&chars) {
            *s = value_of(*c).ok_or(ReceiptError::Character(*c))?;
        }
        symbols[RECEIPT_LEN - 1] = damm(&symbols[..RECEIPT_LEN - 1]);
        Ok(Self { symbols })
    }

    fn text(symbols: &[u8]) -> String {
        symbols.iter().map(|&s| char::from(ALPHABET[usize::from(s & 31)])).collect()
    }

    /// The lookup part, canonical (upper case, no separators).
    pub fn lookup(&self) -> String {
        Self::text(&self.symbols[..LOOKUP_LEN])
    }

    /// The secret part, canonical.
    pub fn secret(&self) -> String {
        Self::text(&self.symbols[LOOKUP_LEN..RECEIPT_LEN - 1])
    }

    /// All 16 characters without separators.
    pub fn canonical(&self) -> String {
        Self::text(&self.symbols)
    }

    /// As shown to people: four groups of four joined by hyphens.
    pub fn grouped(&self) -> String {
        self.groups().join("-")
    }

    /// The four groups.
    pub fn groups(&self) -> Vec<String> {
        self.symbols.chunks(4).map(Self::text).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn receipts() -> impl Strategy<Value = Receipt> {
        any::<[u8; RANDOM_BYTES]>().prop_map(|b| Receipt::from_random(&b))
    }

    #[test]
    fn the_operation_is_a_weakly_totally_antisymmetric_quasigroup_with_zero_diagonal() {
        for x in 0..32u8 {
            assert_eq!(op(x, x), 0);
            let row: std::collections::BTreeSet<u8> = (0..32).map(|y| op(x, y)).collect();
            let col: std::collections::BTreeSet<u8> = (0..32).map(|y| op(y, x)).collect();
            assert_eq!((row.len(), col.len()), (32, 32), "row and column {x} are permutations");
        }
        for c in 0..32u8 {
            for x in 0..32u8 {
                for y in 0..32u8 {
                    if x != y {
                        assert_ne!(op(op(c, x), y), op(op(c, y), x), "c={c} x={x} y={y}");
                    }
                }
            }
        }
    }

    #[test]
    fn a_receipt_reads_back_forgivingly() {
        let r = Receipt::from_random(&[7, 1, 2, 3, 4, 5, 6, 250, 9, 11]);
        assert_eq!(r.canonical().len(), 16);
        assert_eq!(r.grouped().len(), 19);
        assert_eq!(Receipt::parse(&r.grouped()), Ok(r.clone()));
        assert_eq!(Receipt::parse(&r.canonical().to_lowercase()), Ok(r.clone()));
        let spaced = r.groups().join("  ");
        assert_eq!(Receipt::parse(&format!(" {spaced} ")), Ok(r.clone()));
        let looks = r.canonical().replace('1', "l").replace('0', "O");
        assert_eq!(Receipt::parse(&looks), Ok(r.clone()));
        assert_eq!(r.lookup().len() + r.secret().len() + 1, 16);
        assert!(r.canonical().starts_with(&(r.lookup() + &r.secret())));
        assert_eq!(Receipt::parse(""), Err(ReceiptError::Empty));
        assert_eq!(Receipt::parse("ABCD-EFGH"), Err(ReceiptError::Length(8)));
        assert_eq!(Receipt::parse("ABCD-EFGH-JKMN-PQRU"), Err(ReceiptError::Character('U')));
        assert!(!format!("{r:?}").contains(&r.secret()), "debug output hides the secret");
        let first: String = r.canonical().chars().take(15).collect();
        assert_eq!(Receipt::with_check(&first), Ok(r.clone()));
    }

    proptest! {
        #[test]
        fn every_single_substitution_is_caught(r in receipts()) {
            let canonical: Vec<u8> = r.canonical().into_bytes();
            for pos in 0..RECEIPT_LEN {
                for &other in ALPHABET {
                    if other == canonical[pos] {
                        continue;
                    }
                    let mut typed = canonical.clone();
                    typed[pos] = other;
                    let typed = String::from_utf8(typed).unwrap_or_default();
                    prop_assert_eq!(Receipt::parse(&typed), Err(ReceiptError::Check), "{} at {}", typed, pos);
                }
            }
        }

        #[test]
        fn every_transposition_is_caught(r in receipts()) {
            let canonical: Vec<u8> = r.canonical().into_bytes();
            for i in 0..RECEIPT_LEN {
                for j in i + 1..RECEIPT_LEN {
                    if canonical[i] == canonical[j] {
                        continue;
                    }
                    let mut typed = canonical.clone();
                    typed.swap(i, j);
                    let typed = String::from_utf8(typed).unwrap_or_default();
                    prop_assert_eq!(Receipt::parse(&typed), Err(ReceiptError::Check), "{} swapping {} and {}", typed, i, j);
                }
            }
        }
    }
}

//! A compact, non-self-describing serde format for the emulator's grids (the emulator's
//! own `serde` derives, so the grid's internal layout — ring-buffer offset, cached rows,
//! each row's occupied count — round-trips exactly, not only what the public API shows).
//!
//! Integers are LEB128 (signed ones zigzag), strings and byte strings length-prefixed,
//! options and enum variants an index, structs and tuples their fields in order. A
//! sequence is its length, then runs: a count and the encoding of one element that
//! repeats that many times — blank cells and blank rows cost a few bytes.

use std::fmt;

use serde::de::{self, DeserializeSeed, IntoDeserializer, SeqAccess, Visitor};
use serde::ser::{self, Serialize};

/// A value did not encode or decode.
#[derive(Debug)]
pub(super) struct BinError(String);

impl fmt::Display for BinError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for BinError {}

impl ser::Error for BinError {
    fn custom<T: fmt::Display>(msg: T) -> Self {
        BinError(msg.to_string())
    }
}

impl de::Error for BinError {
    fn custom<T: fmt::Display>(msg: T) -> Self {
        BinError(msg.to_string())
    }
}

type Result<T, E = BinError> = std::result::Result<T, E>;

/// Appends `value` encoded to `out`.
pub(super) fn encode<T: Serialize>(value: &T, out: &mut Vec<u8>) -> Result<()> {
    let mut ser = Ser { out: std::mem::take(out) };
    let result = value.serialize(&mut ser);
    *out = ser.out;
    result
}

/// Decodes one `T` from the front of `input`, advancing it; at most `budget` sequence
/// elements in all (runs count each repeat), so damaged input cannot allocate without bound.
pub(super) fn decode<'de, T: de::Deserialize<'de>>(input: &mut &'de [u8], budget: u64) -> Result<T> {
    let mut de = De { input, budget };
    let value = T::deserialize(&mut de)?;
    *input = de.input;
    Ok(value)
}

fn put_uint(out: &mut Vec<u8>, mut value: u64) {
    while value >= 0x80 {
        out.push((value as u8) | 0x80);
        value >>= 7;
    }
    out.push(value as u8);
}

fn zigzag(value: i64) -> u64 {
    ((value << 1) ^ (value >> 63)) as u64
}

struct Ser {
    out: Vec<u8>,
}

/// A sequence being written: runs of equal element encodings.
struct SeqSer<'a> {
    ser: &'a mut Ser,
    previous: Vec<u8>,
    current: Vec<u8>,
    run: u64,
}

impl SeqSer<'_> {
    fn flush(&mut self) {
        if self.run > 0 {
            put_uint(&mut self.ser.out, self.run);
            self.ser.out.extend_from_slice(&self.previous);
        }
    }
}

impl ser::SerializeSeq for SeqSer<'_> {
    type Ok = ();
    type Error = BinError;

    fn serialize_element<T: ?Sized + Serialize>(&mut self, value: &T) -> Result<()> {
        let mut inner = Ser { out: std::mem::take(&mut self.current) };
        inner.out.clear();
        value.serialize(&mut inner)?;
        self.current = inner.out;
        if self.run > 0 && self.current == self.previous {
            self.run += 1;
        } else {
            self.flush();
            std::mem::swap(&mut self.previous, &mut self.current);
            self.run = 1;
        }
        Ok(())
    }

    fn end(mut self) -> Result<()> {
        self.flush();
        Ok(())
    }
}

/// Tuples, structs and maps: their parts in order.
struct Fixed<'a> {
    ser: &'a mut Ser,
}

macro_rules! fixed_impl {
    ($trait:ident, $method:ident) => {
        impl ser::$trait for Fixed<'_> {
            type Ok = ();
            type Error = BinError;

            fn $method<T: ?Sized + Serialize>(&mut self, value: &T) -> Result<()> {
                value.serialize(&mut *self.ser)
            }

            fn end(self) -> Result<()> {
                Ok(())
            }
        }
    };
}

fixed_impl!(SerializeTuple, serialize_element);
fixed_impl!(SerializeTupleStruct, serialize_field);
fixed_impl!(SerializeTupleVariant, serialize_field);

impl ser::SerializeStruct for Fixed<'_> {
    type Ok = ();
    type Error = BinError;

    fn serialize_field<T: ?Sized + Serialize>(&mut self, _key: &'static str, value: &T) -> Result<()> {
        value.serialize(&mut *self.ser)
    }

    fn end(self) -> Result<()> {
        Ok(())
    }
}

impl ser::SerializeStructVariant for Fixed<'_> {
    type Ok = ();
    type Error = BinError;

    fn serialize_field<T: ?Sized + Serialize>(&mut self, _key: &'static str, value: &T) -> Result<()> {
        value.serialize(&mut *self.ser)
    }

    fn end(self) -> Result<()> {
        Ok(())
    }
}

impl ser::SerializeMap for Fixed<'_> {
    type Ok = ();
    type Error = BinError;

    fn serialize_key<T: ?Sized + Serialize>(&mut self, key: &T) -> Result<()> {
        key.serialize(&mut *self.ser)
    }

    fn serialize_value<T: ?Sized + Serialize>(&mut self, value: &T) -> Result<()> {
        value.serialize(&mut *self.ser)
    }

    fn end(self) -> Result<()> {
        Ok(())
    }
}

impl<'a> ser::Serializer for &'a mut Ser {
    type Ok = ();
    type Error = BinError;
    type SerializeSeq = SeqSer<'a>;
    type SerializeTuple = Fixed<'a>;
    type SerializeTupleStruct = Fixed<'a>;
    type SerializeTupleVariant = Fixed<'a>;
    type SerializeMap = Fixed<'a>;
    type SerializeStruct = Fixed<'a>;
    type SerializeStructVariant = Fixed<'a>;

    fn is_human_readable(&self) -> bool {
        false
    }

    fn serialize_bool(self, v: bool) -> Result<()> {
        self.out.push(u8::from(v));
        Ok(())
    }

    fn serialize_i8(self, v: i8) -> Result<()> {
        self.serialize_i64(i64::from(v))
    }

    fn serialize_i16(self, v: i16) -> Result<()> {
        self.serialize_i64(i64::from(v))
    }

    fn serialize_i32(self, v: i32) -> Result<()> {
        self.serialize_i64(i64::from(v))
    }

    fn serialize_i64(self, v: i64) -> Result<()> {
        put_uint(&mut self.out, zigzag(v));
        Ok(())
    }

    fn serialize_u8(self, v: u8) -> Result<()> {
        self.out.push(v);
        Ok(())
    }

    fn serialize_u16(self, v: u16) -> Result<()> {
        self.serialize_u64(u64::from(v))
    }

    fn serialize_u32(self, v: u32) -> Result<()> {
        self.serialize_u64(u64::from(v))
    }

    fn serialize_u64(self, v: u64) -> Result<()> {
        put_uint(&mut self.out, v);
        Ok(())
    }

    fn serialize_f32(self, v: f32) -> Result<()> {
        self.out.extend_from_slice(&v.to_le_bytes());
        Ok(())
    }

    fn serialize_f64(self, v: f64) -> Result<()> {
        self.out.extend_from_slice(&v.to_le_bytes());
        Ok(())
    }

    fn serialize_char(self, v: char) -> Result<()> {
        self.serialize_u64(u64::from(u32::from(v)))
    }

    fn serialize_str(self, v: &str) -> Result<()> {
        self.serialize_bytes(v.as_bytes())
    }

    fn serialize_bytes(self, v: &[u8]) -> Result<()> {
        put_uint(&mut self.out, v.len() as u64);
        self.out.extend_from_slice(v);
        Ok(())
    }

    fn serialize_none(self) -> Result<()> {
        self.out.push(0);
        Ok(())
    }

    fn serialize_some<T: ?Sized + Serialize>(self, value: &T) -> Result<()> {
        self.out.push(1);
        value.serialize(self)
    }

    fn serialize_unit(self) -> Result<()> {
        Ok(())
    }

    fn serialize_unit_struct(self, _name: &'static str) -> Result<()> {
        Ok(())
    }

    fn serialize_unit_variant(self, _name: &'static str, index: u32, _variant: &'static str) -> Result<()> {
        self.serialize_u32(index)
    }

    fn serialize_newtype_struct<T: ?Sized + Serialize>(self, _name: &'static str, value: &T) -> Result<()> {
        value.serialize(self)
    }

    fn serialize_newtype_variant<T: ?Sized + Serialize>(
        self,
        _name: &'static str,
        index: u32,
        _variant: &'static str,
        value: &T,
    ) -> Result<()> {
        self.serialize_u32(index)?;
        value.serialize(self)
    }

    fn serialize_seq(self, len: Option<usize>) -> Result<SeqSer<'a>> {
        let len = len.ok_or_else(|| BinError("a sequence of unknown length".into()))?;
        put_uint(&mut self.out, len as u64);
        Ok(SeqSer { ser: self, previous: Vec::new(), current: Vec::new(), run: 0 })
    }

    fn serialize_tuple(self, _len: usize) -> Result<Fixed<'a>> {
        Ok(Fixed { ser: self })
    }

    fn serialize_tuple_struct(self, _name: &'static str, _len: usize) -> Result<Fixed<'a>> {
        Ok(Fixed { ser: self })
    }

    fn serialize_tuple_variant(
        self,
        _name: &'static str,
        index: u32,
        _variant: &'static str,
        _len: usize,
    ) -> Result<Fixed<'a>> {
        put_uint(&mut self.out, u64::from(index));
        Ok(Fixed { ser: self })
    }

    fn serialize_map(self, len: Option<usize>) -> Result<Fixed<'a>> {
        let len = len.ok_or_else(|| BinError("a map of unknown length".into()))?;
        put_uint(&mut self.out, len as u64);
        Ok(Fixed { ser: self })
    }

    fn serialize_struct(self, _name: &'static str, _len: usize) -> Result<Fixed<'a>> {
        Ok(Fixed { ser: self })
    }

    fn serialize_struct_variant(
        self,
        _name: &'static str,
        index: u32,
        _variant: &'static str,
        _len: usize,
    ) -> Result<Fixed<'a>> {
        put_uint(&mut self.out, u64::from(index));
        Ok(Fixed { ser: self })
    }
}

struct De<'de> {
    input: &'de [u8],
    /// Sequence elements still allowed.
    budget: u64,
}

impl<'de> De<'de> {
    fn byte(&mut self) -> Result<u8> {
        let (&first, rest) = self.input.split_first().ok_or_else(|| BinError("cut short".into()))?;
        self.input = rest;
        Ok(first)
    }

    fn uint(&mut self) -> Result<u64> {
        let mut value = 0u64;
        for shift in (0..64).step_by(7) {
            let byte = self.byte()?;
            value |= u64::from(byte & 0x7f) << shift;
            if byte & 0x80 == 0 {
                return Ok(value);
            }
        }
        Err(BinError("an integer is too long".into()))
    }

    fn int(&mut self) -> Result<i64> {
        let raw = self.uint()?;
        Ok(((raw >> 1) as i64) ^ -((raw & 1) as i64))
    }

    fn len(&mut self) -> Result<usize> {
        let len = usize::try_from(self.uint()?).map_err(|_| BinError("a length is too large".into()))?;
        if len as u64 > self.budget {
            return Err(BinError("a length exceeds the budget".into()));
        }
        Ok(len)
    }

    fn bytes(&mut self) -> Result<&'de [u8]> {
        let len = usize::try_from(self.uint()?).map_err(|_| BinError("a length is too large".into()))?;
        if len > self.input.len() {
            return Err(BinError("cut short".into()));
        }
        let (head, rest) = self.input.split_at(len);
        self.input = rest;
        Ok(head)
    }

    fn narrow<T: TryFrom<u64>>(&mut self) -> Result<T> {
        T::try_from(self.uint()?).map_err(|_| BinError("an integer is out of range".into()))
    }

    fn narrow_signed<T: TryFrom<i64>>(&mut self) -> Result<T> {
        T::try_from(self.int()?).map_err(|_| BinError("an integer is out of range".into()))
    }
}

/// A sequence being read: runs of one element encoding.
struct SeqDe<'a, 'de> {
    de: &'a mut De<'de>,
    left: usize,
    run_left: u64,
    element: &'de [u8],
}

impl<'de> SeqAccess<'de> for SeqDe<'_, 'de> {
    type Error = BinError;

    fn next_element_seed<T: DeserializeSeed<'de>>(&mut self, seed: T) -> Result<Option<T::Value>> {
        if self.left == 0 {
            return Ok(None);
        }
        self.left -= 1;
        self.de.budget = self.de.budget.checked_sub(1).ok_or_else(|| BinError("too many elements".into()))?;
        if self.run_left == 0 {
            let run = self.de.uint()?;
            if run == 0 || run > self.left as u64 + 1 {
                return Err(BinError("a run does not fit its sequence".into()));
            }
            let start = self.de.input;
            let value = seed.deserialize(&mut *self.de)?;
            self.element = &start[..start.len() - self.de.input.len()];
            self.run_left = run - 1;
            return Ok(Some(value));
        }
        self.run_left -= 1;
        let mut again = De { input: self.element, budget: self.de.budget };
        let value = seed.deserialize(&mut again)?;
        self.de.budget = again.budget;
        Ok(Some(value))
    }

    fn size_hint(&self) -> Option<usize> {
        Some(self.left.min(4096))
    }
}

/// Tuples, structs and maps: a known number of parts in order.
struct FixedDe<'a, 'de> {
    de: &'a mut De<'de>,
    left: usize,
}

impl<'de> SeqAccess<'de> for FixedDe<'_, 'de> {
    type Error = BinError;

    fn next_element_seed<T: DeserializeSeed<'de>>(&mut self, seed: T) -> Result<Option<T::Value>> {
        if self.left == 0 {
            return Ok(None);
        }
        self.left -= 1;
        seed.deserialize(&mut *self.de).map(Some)
    }
}

impl<'de> de::MapAccess<'de> for FixedDe<'_, 'de> {
    type Error = BinError;

    fn next_key_seed<K: DeserializeSeed<'de>>(&mut self, seed: K) -> Result<Option<K::Value>> {
        if self.left == 0 {
            return Ok(None);
        }
        self.left -= 1;
        seed.deserialize(&mut *self.de).map(Some)
    }

    fn next_value_seed<V: DeserializeSeed<'de>>(&mut self, seed: V) -> Result<V::Value> {
        seed.deserialize(&mut *self.de)
    }
}

impl<'de> de::EnumAccess<'de> for &mut De<'de> {
    type Error = BinError;
    type Variant = Self;

    fn variant_seed<V: DeserializeSeed<'de>>(self, seed: V) -> Result<(V::Value, Self)> {
        let index: u32 = self.narrow()?;
        let value = seed.deserialize(index.into_deserializer())?;
        Ok((value, self))
    }
}

impl<'de> de::VariantAccess<'de> for &mut De<'de> {
    type Error = BinError;

    fn unit_variant(self) -> Result<()> {
        Ok(())
    }

    fn newtype_variant_seed<T: DeserializeSeed<'de>>(self, seed: T) -> Result<T::Value> {
        seed.deserialize(self)
    }

    fn tuple_variant<V: Visitor<'de>>(self, len: usize, visitor: V) -> Result<V::Value> {
        visitor.visit_seq(FixedDe { de: self, left: len })
    }

    fn struct_variant<V: Visitor<'de>>(
        self,
        fields: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value> {
        visitor.visit_seq(FixedDe { de: self, left: fields.len() })
    }
}

impl<'de> de::Deserializer<'de> for &mut De<'de> {
    type Error = BinError;

    fn is_human_readable(&self) -> bool {
        false
    }

    fn deserialize_any<V: Visitor<'de>>(self, _visitor: V) -> Result<V::Value> {
        Err(BinError("the format is not self-describing".into()))
    }

    fn deserialize_bool<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value> {
        match self.byte()? {
            0 => visitor.visit_bool(false),
            1 => visitor.visit_bool(true),
            _ => Err(BinError("a boolean is out of range".into())),
        }
    }

    fn deserialize_i8<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value> {
        visitor.visit_i8(self.narrow_signed()?)
    }

    fn deserialize_i16<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value> {
        visitor.visit_i16(self.narrow_signed()?)
    }

    fn deserialize_i32<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value> {
        visitor.visit_i32(self.narrow_signed()?)
    }

    fn deserialize_i64<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value> {
        visitor.visit_i64(self.int()?)
    }

    fn deserialize_u8<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value> {
        visitor.visit_u8(self.byte()?)
    }

    fn deserialize_u16<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value> {
        visitor.visit_u16(self.narrow()?)
    }

    fn deserialize_u32<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value> {
        visitor.visit_u32(self.narrow()?)
    }

    fn deserialize_u64<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value> {
        visitor.visit_u64(self.uint()?)
    }

    fn deserialize_f32<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value> {
        let mut bytes = [0; 4];
        for byte in &mut bytes {
            *byte = self.byte()?;
        }
        visitor.visit_f32(f32::from_le_bytes(bytes))
    }

    fn deserialize_f64<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value> {
        let mut bytes = [0; 8];
        for byte in &mut bytes {
            *byte = self.byte()?;
        }
        visitor.visit_f64(f64::from_le_bytes(bytes))
    }

    fn deserialize_char<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value> {
        let code: u32 = self.narrow()?;
        visitor
            .visit_char(char::from_u32(code).ok_or_else(|| BinError("a character is out of range".into()))?)
    }

    fn deserialize_str<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value> {
        let bytes = self.bytes()?;
        visitor.visit_borrowed_str(
            std::str::from_utf8(bytes).map_err(|_| BinError("a string is not UTF-8".into()))?,
        )
    }

    fn deserialize_string<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value> {
        self.deserialize_str(visitor)
    }

    fn deserialize_bytes<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value> {
        visitor.visit_borrowed_bytes(self.bytes()?)
    }

    fn deserialize_byte_buf<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value> {
        self.deserialize_bytes(visitor)
    }

    fn deserialize_option<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value> {
        match self.byte()? {
            0 => visitor.visit_none(),
            1 => visitor.visit_some(self),
            _ => Err(BinError("an option tag is out of range".into())),
        }
    }

    fn deserialize_unit<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value> {
        visitor.visit_unit()
    }

    fn deserialize_unit_struct<V: Visitor<'de>>(self, _name: &'static str, visitor: V) -> Result<V::Value> {
        visitor.visit_unit()
    }

    fn deserialize_newtype_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        visitor: V,
    ) -> Result<V::Value> {
        visitor.visit_newtype_struct(self)
    }

    fn deserialize_seq<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value> {
        let left = self.len()?;
        visitor.visit_seq(SeqDe { de: self, left, run_left: 0, element: &[] })
    }

    fn deserialize_tuple<V: Visitor<'de>>(self, len: usize, visitor: V) -> Result<V::Value> {
        visitor.visit_seq(FixedDe { de: self, left: len })
    }

    fn deserialize_tuple_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        len: usize,
        visitor: V,
    ) -> Result<V::Value> {
        visitor.visit_seq(FixedDe { de: self, left: len })
    }

    fn deserialize_map<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value> {
        let left = self.len()?;
        visitor.visit_map(FixedDe { de: self, left })
    }

    fn deserialize_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        fields: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value> {
        visitor.visit_seq(FixedDe { de: self, left: fields.len() })
    }

    fn deserialize_enum<V: Visitor<'de>>(
        self,
        _name: &'static str,
        _variants: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value> {
        visitor.visit_enum(self)
    }

    fn deserialize_identifier<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value> {
        let index: u32 = self.narrow()?;
        visitor.visit_u32(index)
    }

    fn deserialize_ignored_any<V: Visitor<'de>>(self, _visitor: V) -> Result<V::Value> {
        Err(BinError("the format is not self-describing".into()))
    }
}

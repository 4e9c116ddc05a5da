//! Reading fuzzer bytes as a sequence of choices. Past the end every read answers zero, so any
//! input (the empty one included) is a complete recipe and a short one means "the first
//! choice" everywhere, which is what libFuzzer's shrinking needs.

pub(crate) struct Recipe<'a> {
    data: &'a [u8],
}

impl<'a> Recipe<'a> {
    pub(crate) fn new(data: &'a [u8]) -> Self {
        Recipe { data }
    }

    pub(crate) fn is_empty(&self) -> bool {
        self.data.is_empty()
    }

    pub(crate) fn byte(&mut self) -> u8 {
        match self.data.split_first() {
            Some((&b, rest)) => {
                self.data = rest;
                b
            }
            None => 0,
        }
    }

    pub(crate) fn u16(&mut self) -> u16 {
        u16::from_be_bytes([self.byte(), self.byte()])
    }

    /// A choice among `n` options (0 when there are none). Two bytes, so positions in a
    /// response of tens of kilobytes can all be reached.
    pub(crate) fn index(&mut self, n: usize) -> usize {
        if n == 0 { 0 } else { usize::from(self.u16()) % n }
    }

    /// Up to `max` bytes, the count read first.
    pub(crate) fn bytes(&mut self, max: usize) -> &'a [u8] {
        let n = usize::from(self.byte()) % (max + 1);
        let n = n.min(self.data.len());
        let (taken, rest) = self.data.split_at(n);
        self.data = rest;
        taken
    }
}

//! Deflate (RFC 1951) of one large input on every core, as pigz does: the
//! input is cut into fixed-size chunks, each compressed by its own raw
//! deflate stream ending in a sync flush (an empty stored block, so the
//! next chunk starts on a byte boundary) and the last one in a final
//! block. Their concatenation is one valid deflate stream; no chunk refers
//! back into another. The chunk size alone fixes the output, whatever the
//! number of threads, so archives stay byte-identical across machines.

use flate2::{Compress, Compression, FlushCompress, Status};
use rayon::prelude::*;
use std::io;

/// Bytes per chunk: large enough that restarting the 32 KiB window costs
/// nothing measurable, small enough to spread one file over the cores.
pub const CHUNK: usize = 4 << 20;

/// Deflate `chunks` (consecutive pieces of one input) in parallel; `last`
/// says whether the final chunk ends the input.
pub fn deflate_chunks(chunks: &[Vec<u8>], level: u32, last: bool) -> io::Result<Vec<Vec<u8>>> {
    let end = chunks.len();
    chunks
        .par_iter()
        .enumerate()
        .map(|(i, c)| deflate_chunk(c, level, last && i + 1 == end))
        .collect()
}

/// One chunk as a raw deflate stream: sync-flushed, or finished when it is
/// the end of the input.
fn deflate_chunk(data: &[u8], level: u32, finish: bool) -> io::Result<Vec<u8>> {
    let mut z = Compress::new(Compression::new(level), false);
    let mut out = Vec::with_capacity(data.len() / 2 + 4096);
    let flush = if finish {
        FlushCompress::Finish
    } else {
        FlushCompress::Sync
    };
    loop {
        let consumed = usize::try_from(z.total_in()).unwrap_or(usize::MAX);
        let status = z
            .compress_vec(&data[consumed.min(data.len())..], &mut out, flush)
            .map_err(io::Error::other)?;
        let room_left = out.len() < out.capacity();
        let all_in = z.total_in() as usize == data.len();
        match status {
            Status::StreamEnd => return Ok(out),
            // A sync flush is complete once the input is consumed and the
            // output was not cut short by the buffer.
            _ if !finish && all_in && room_left => return Ok(out),
            _ => out.reserve(out.capacity().max(64 << 10)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Read;

    fn inflate(data: &[u8]) -> Vec<u8> {
        let mut out = Vec::new();
        flate2::read::DeflateDecoder::new(data)
            .read_to_end(&mut out)
            .expect("one valid deflate stream");
        out
    }

    #[test]
    fn chunks_concatenate_into_one_stream_whatever_the_grouping() {
        // Compressible and incompressible pieces, not a multiple of CHUNK.
        let mut input: Vec<u8> = (0..CHUNK as u32 * 2).map(|i| (i % 97) as u8).collect();
        let mut x = 0x2545_f491_u32;
        input.extend((0..CHUNK / 2 + 17).map(|_| {
            x ^= x << 13;
            x ^= x >> 17;
            x ^= x << 5;
            x as u8
        }));
        let chunks: Vec<Vec<u8>> = input.chunks(CHUNK).map(<[u8]>::to_vec).collect();
        let all: Vec<u8> = deflate_chunks(&chunks, 6, true).expect("deflate").concat();
        assert_eq!(inflate(&all), input);
        // Grouped differently (as the window of a streaming writer may), the
        // bytes are the same.
        let mut grouped = deflate_chunks(&chunks[..2], 6, false).expect("first");
        grouped.extend(deflate_chunks(&chunks[2..], 6, true).expect("rest"));
        assert_eq!(grouped.concat(), all);
        assert!(
            all.len() < input.len() * 3 / 4,
            "the compressible part shrank"
        );
    }

    #[test]
    fn a_single_or_empty_chunk_is_a_complete_stream() {
        let one = deflate_chunks(&[b"hello hello hello".to_vec()], 6, true).expect("one");
        assert_eq!(inflate(&one.concat()), b"hello hello hello");
        let empty = deflate_chunks(&[Vec::new()], 6, true).expect("empty");
        assert!(inflate(&empty.concat()).is_empty());
    }
}

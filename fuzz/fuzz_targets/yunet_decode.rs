//! YuNet's output decoding (`simface::detect::yunet::decode`) on arbitrary tensors: the right names with
//! wrong lengths, missing or repeated outputs, NaN, ±inf, huge and tiny values, any input size and score
//! threshold. It must give faces with a finite box and a score in [0, 1] at or above the threshold, or a typed
//! `ModelShape` error; then NMS and the scaling back must not panic.
#![no_main]

use libfuzzer_sys::arbitrary::{Result, Unstructured};
use libfuzzer_sys::fuzz_target;
use simface::Error;
use simface::detect::yunet::decode;
use simface::detect::{non_maximum_suppression, scale_faces, sort_largest_first};
use simface::runtime::Output;

const HEADS: [(&str, usize); 4] = [("cls", 1), ("obj", 1), ("bbox", 4), ("kps", 10)];

/// A float that is often one of the values that break arithmetic.
fn value(u: &mut Unstructured) -> Result<f32> {
    Ok(match u.int_in_range(0u8..=11)? {
        0 => 0.0,
        1 => f32::NAN,
        2 => f32::INFINITY,
        3 => f32::NEG_INFINITY,
        4 => f32::MAX,
        5 => f32::MIN,
        6 => 88.8, // exp overflows just above
        7 => -1e30,
        8 => f32::MIN_POSITIVE / 2.0,
        9 => 1.0,
        10 => f32::from(u.arbitrary::<u8>()?) / 255.0,
        _ => f32::from_bits(u.arbitrary()?),
    })
}

fn outputs(u: &mut Unstructured, cells_of: impl Fn(usize) -> usize) -> Result<Vec<Output>> {
    let mut outputs = Vec::new();
    for stride in [8, 16, 32] {
        for (head, channels) in HEADS {
            let expected = cells_of(stride) * channels;
            let len = match u.int_in_range(0u8..=9)? {
                0 => continue, // missing
                1 => expected.saturating_sub(u.int_in_range(1..=channels)?),
                2 => expected + u.int_in_range(1..=channels)?,
                3 => u.int_in_range(0..=64)?,
                _ => expected,
            };
            let data = (0..len).map(|_| value(u)).collect::<Result<Vec<f32>>>()?;
            let name = format!("{head}_{stride}");
            if u.ratio(1u8, 16)? {
                // The same name twice: the first one counts.
                outputs.push(Output { name: name.clone(), shape: vec![1, 1, 1], data: vec![f32::NAN] });
            }
            outputs.push(Output { name, shape: vec![1, len / channels, channels], data });
        }
    }
    Ok(outputs)
}

fn run(u: &mut Unstructured) -> Result<()> {
    // Up to 320×320 keeps one run to a few tens of thousands of values; every branch is reachable well below.
    let (input_w, input_h) = (u.int_in_range(0usize..=320)?, u.int_in_range(0usize..=320)?);
    let threshold = match u.int_in_range(0u8..=3)? {
        0 => 0.6,
        1 => 0.0,
        2 => value(u)?,
        _ => f32::from(u.arbitrary::<u8>()?) / 255.0,
    };
    let outputs = outputs(u, |stride| (input_w / stride) * (input_h / stride))?;
    let faces = match decode(&outputs, input_w, input_h, threshold) {
        Ok(faces) => faces,
        Err(Error::ModelShape { .. }) => return Ok(()),
        Err(e) => panic!("decode fails with {e:?}, not a ModelShape error"),
    };
    for face in &faces {
        assert!(face.score.is_finite() && (0.0..=1.0).contains(&face.score), "{face:?}");
        assert!(threshold.is_nan() || face.score >= threshold, "{face:?} is below {threshold}");
        let b = face.bbox;
        assert!([b.x, b.y, b.width, b.height].iter().all(|v| v.is_finite()), "{face:?}");
    }
    let mut kept = non_maximum_suppression(faces, 0.3);
    scale_faces(&mut kept, (0.5, 2.0));
    sort_largest_first(&mut kept);
    Ok(())
}

fuzz_target!(|bytes: &[u8]| {
    let _ = run(&mut Unstructured::new(bytes));
});

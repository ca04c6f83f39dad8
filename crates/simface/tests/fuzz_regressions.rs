//! What the fuzz targets (fuzz/, `make fuzz`) found, each input embedded here, small and synthetic, with the
//! typed error or sane result it must give. Needs no model, photo or ONNX Runtime.

use simface::detect::yunet::decode;
use simface::runtime::Output;

/// YuNet's outputs for an 8×8 input (one cell at stride 8, none at 16 and 32): class score `cls`, objectness 1,
/// a box of one cell and the landmarks at its corner.
fn yunet_outputs(cls: f32) -> Vec<Output> {
    let mut outputs = Vec::new();
    for stride in [8, 16, 32] {
        let cells = if stride == 8 { 1 } else { 0 };
        for (head, channels) in [("cls", 1), ("obj", 1), ("bbox", 4), ("kps", 10)] {
            let value = match head {
                "cls" => cls,
                "obj" => 1.0,
                _ => 0.0,
            };
            let data = vec![value; cells * channels];
            outputs.push(Output { name: format!("{head}_{stride}"), shape: vec![1, cells, channels], data });
        }
    }
    outputs
}

/// fuzz target `yunet_decode`: a NaN class score (`clamp` keeps NaN, and NaN < threshold is false) gave a face
/// with a NaN score, which NMS, sorting and the rotation search then treated as a real one.
#[test]
fn yunet_decode_drops_a_nan_score() {
    for threshold in [0.0, 0.6] {
        let faces = decode(&yunet_outputs(f32::NAN), 8, 8, threshold).expect("the shapes are right");
        assert!(faces.is_empty(), "{faces:?}");
    }
    // The same cell with a real score is still a face.
    let faces = decode(&yunet_outputs(1.0), 8, 8, 0.6).expect("the shapes are right");
    assert_eq!(faces.len(), 1);
    assert_eq!(faces[0].score, 1.0);
}

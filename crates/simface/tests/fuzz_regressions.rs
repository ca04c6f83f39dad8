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

/// fuzz target `face_json`: a number beyond `f32`'s range (`1e39`) read as infinity, which serde_json writes as
/// `null`, so the record written did not read back. It is refused where it is read, in every float of a record.
#[test]
fn face_json_refuses_numbers_beyond_f32() {
    use simface::report::{FaceRecord, ImageRecord};
    let record = |score: &str, x: &str| {
        format!(
            r#"{{"index":0,"bbox":{{"x":{x},"y":2,"width":30,"height":40}},"score":{score},"landmarks":[{{"x":1,"y":1}},{{"x":2,"y":1}},{{"x":1.5,"y":2}},{{"x":1,"y":3}},{{"x":2,"y":3}}],"landmark_source":"detected","rotation":90}}"#
        )
    };
    let good: FaceRecord = serde_json::from_str(&record("0.93", "1")).expect("a record");
    let written = serde_json::to_string(&good).expect("written");
    assert_eq!(serde_json::from_str::<FaceRecord>(&written).expect("reads back"), good);
    for (score, x) in [("1e39", "1"), ("-1e39", "1"), ("0.9", "3.5e38"), ("0.9", "-1e300")] {
        let error = serde_json::from_str::<FaceRecord>(&record(score, x)).expect_err(&format!("{score}, {x}"));
        assert!(error.to_string().contains("out of range"), "{error}");
    }
    // The same inside an image record, in an embedding and in the quality and liveness verdicts.
    let image = format!(r#"{{"file":"a.jpg","width":64,"height":64,"faces":[{}]}}"#, record("0.9", "1"));
    assert!(serde_json::from_str::<ImageRecord>(&image).is_ok());
    let with = |field: &str| image.replacen(r#""rotation":90"#, &format!(r#""rotation":90,{field}"#), 1);
    assert!(serde_json::from_str::<ImageRecord>(&with(r#""model":"edgeface_xs","embedding":[0.6,0.8]"#)).is_ok());
    for field in [
        r#""model":"edgeface_xs","embedding":[0.6,1e40]"#,
        r#""liveness":{"real":0.9,"live":true,"threshold":0.5,"models":[{"model":"minifasnet_v2","probabilities":[0.1,1e39,0]}]}"#,
        r#""quality":{"score":0.5,"face_px":1e39,"sharpness":1,"brightness":1,"contrast":1,"pose":{"yaw":0,"pitch":0,"roll":0},"issues":[]}"#,
        r#""quality":{"score":0.5,"face_px":60,"sharpness":1,"brightness":1,"contrast":1,"pose":{"yaw":0,"pitch":-1e39,"roll":0},"issues":[]}"#,
    ] {
        assert!(serde_json::from_str::<ImageRecord>(&with(field)).is_err(), "{field}");
    }
}

/// fuzz target `gallery_json`: an export with a key twice ("model", "people") was imported by
/// `Gallery::from_json` (a JSON `Value` keeps the last one) but refused by the plain deserialiser (serde refuses a
/// duplicate field). Both refuse it now, as damage.
#[test]
fn gallery_json_with_a_repeated_key_is_refused_by_both_readers() {
    use simface::EmbedderModel;
    use simface::gallery::Gallery;
    let text = r#"{"format":"simface-gallery","version":1,"model":"edgeface_xs","embedding_size":512,"model":"edgeface_xs","people":[]}"#;
    let err = Gallery::from_json(text, EmbedderModel::EdgefaceXs).expect_err("a repeated key");
    assert!(matches!(err, simface::Error::GalleryCorrupt(ref m) if m.contains("duplicate field")), "{err:?}");
    assert!(serde_json::from_str::<Gallery>(text).is_err());
    let once = r#"{"format":"simface-gallery","version":1,"model":"edgeface_xs","embedding_size":512,"people":[]}"#;
    assert!(Gallery::from_json(once, EmbedderModel::EdgefaceXs).is_ok());
    assert!(serde_json::from_str::<Gallery>(once).is_ok());
}

import cv2
import numpy as np
import pytest
from PIL import Image

from src.dataset import create_dataset, decode_image, preprocess, select_samples
from src.label import LabelCodec
from src.model_utils.config import load_config
from src.readers import Sample


def test_decode_gives_bgr_and_preprocess_normalises_to_chw(tmp_path):
    path = tmp_path / "red.png"
    Image.new("RGB", (50, 16), (255, 0, 0)).save(path)
    bgr = decode_image(str(path))
    assert bgr.shape == (16, 50, 3) and bgr[0, 0].tolist() == [0, 0, 255]
    out = preprocess(bgr)
    assert out.shape == (3, 32, 100) and out.dtype == np.float32
    np.testing.assert_allclose(out[:, 5, 5], [-1.0, -1.0, 1.0])


def test_grey_images_become_three_channels(tmp_path):
    path = tmp_path / "grey.png"
    Image.new("L", (20, 10), 127).save(path)
    out = preprocess(decode_image(str(path)))
    assert out.shape == (3, 32, 100)
    np.testing.assert_allclose(out, (127 - 127.5) / 127.5)


def test_preprocess_shrinks_by_area_and_enlarges_bilinearly():
    # every third column white, 300 columns to 100: the area average is one third white everywhere,
    # bilinear samples the middle column of each three (all white) and reads a white image
    stripes = np.zeros((32, 300, 3), np.uint8)
    stripes[:, 1::3] = 255
    np.testing.assert_allclose(preprocess(stripes), (85 - 127.5) / 127.5, atol=1e-6)
    # a tall crop of random rows: rows shrink by area, columns grow bilinearly
    rng = np.random.default_rng(0)
    tall = rng.integers(0, 256, (128, 1, 3), dtype=np.uint8).repeat(50, axis=1)
    expected = cv2.resize(cv2.resize(tall, (50, 32), interpolation=cv2.INTER_AREA), (100, 32))
    np.testing.assert_allclose(preprocess(tall), _normalised(expected))
    # nothing shrinks: plain bilinear, as the zoo
    small = rng.integers(0, 256, (16, 40, 3), dtype=np.uint8)
    np.testing.assert_allclose(preprocess(small), _normalised(cv2.resize(small, (100, 32), interpolation=cv2.INTER_LINEAR)))


def _normalised(image_bgr):
    return ((image_bgr.astype(np.float32) - 127.5) / 127.5).transpose(2, 0, 1)


def test_select_samples_counts_what_it_drops():
    codec = LabelCodec("abcdefghijklmnopqrstuvwxyz0123456789", 23)
    samples = [Sample("p", t, f"f:{i}") for i, t in enumerate(
        ["Good", "bad-char", "", "x" * 24, "a" * 13, "fine1"])]
    kept, dropped = select_samples(samples, codec, 24, True, "test")
    assert [s.text for s in kept] == ["good", "fine1"]
    assert sum(dropped.values()) == 4
    assert dropped["needs more than num_step=24 CTC frames"] == 1  # 13 a's need 25 frames
    kept_eval, _ = select_samples(samples, codec, 24, False, "test")
    assert "a" * 13 in [s.text for s in kept_eval]


@pytest.mark.parametrize("batch_size", [1, 7, 64])
def test_eval_dataset_yields_every_sample_once_in_order(tiny_synth, batch_size):
    config = load_config(["--num_parallel_workers", "2"])
    dataset = create_dataset("synth", tiny_synth, batch_size, is_training=False, config=config)
    codec = LabelCodec(config.label_dict, config.max_text_length)
    texts = [codec.indices_to_text(row) for _, labels in dataset.create_tuple_iterator(output_numpy=True)
             for row in labels]
    expected = open(f"{tiny_synth}/annotation_test.txt").read().split()[::2]
    assert len(texts) == 64
    assert texts == [p.split("_")[1].lower() for p in expected]


def test_training_dataset_drops_the_partial_batch_and_shuffles(tiny_synth):
    config = load_config([])
    dataset = create_dataset("synth", tiny_synth, 48, is_training=True, config=config)
    batches = list(dataset.create_tuple_iterator(output_numpy=True, num_epochs=1))
    assert len(batches) == 320 // 48
    images, labels = batches[0]
    assert images.shape == (48, 3, 32, 100) and labels.shape == (48, 23) and labels.dtype == np.int32


def truncated_copy(source, target):
    data = open(source, "rb").read()
    with open(target, "wb") as handle:
        handle.write(data[:len(data) // 2])


def test_unreadable_images_are_skipped_and_counted_in_eval(tiny_synth, tmp_path):
    from src.dataset import readable_samples
    from src.readers.synth import parse_synth
    samples = parse_synth(tiny_synth, is_training=False)[:5]
    bad = [samples[1]._replace(path=str(tmp_path / "cut.jpg")), samples[2]._replace(path=str(tmp_path / "none.jpg"))]
    truncated_copy(samples[1].path, bad[0].path)
    kept, failures = readable_samples([samples[0], *bad, samples[3]], "test")
    assert kept == [samples[0], samples[3]]
    assert len(failures) == 2 and "cut.jpg" in failures[0] and "none.jpg" in failures[1]


def test_unreadable_image_in_training_is_replaced_by_the_next(tiny_synth, tmp_path):
    from src.dataset import WordImageSource
    from src.readers.synth import parse_synth
    samples = parse_synth(tiny_synth, is_training=True)[:3]
    broken = samples[0]._replace(path=str(tmp_path / "cut.jpg"))
    truncated_copy(samples[0].path, broken.path)
    codec = LabelCodec("abcdefghijklmnopqrstuvwxyz0123456789", 23)
    source = WordImageSource([broken, samples[1], samples[2]], codec, 100, 32)
    image, label = source[0]
    assert codec.indices_to_text(label) == samples[1].text and image.shape == (3, 32, 100)
    assert source.unreadable == {broken.path}


def test_shards_are_disjoint_and_cover_the_training_set(tiny_synth):
    config = load_config([])
    codec = LabelCodec(config.label_dict, config.max_text_length)
    seen = []
    for shard in (0, 1):
        dataset = create_dataset("synth", tiny_synth, 16, num_shards=2, shard_id=shard, is_training=True,
                                 config=config)
        images = [img for img, _ in dataset.create_tuple_iterator(output_numpy=True, num_epochs=1)]
        assert len(images) == 10  # 160 samples per shard, batch 16
        seen.append({np.asarray(i).tobytes() for batch in images for i in batch})
    assert not seen[0] & seen[1]
    assert len(seen[0] | seen[1]) == 320


def test_epoch_sample_order_shards_are_disjoint_whole_batches_and_repeatable():
    from src.dataset import epoch_sample_order
    shards = [epoch_sample_order(1003, 16, seed=5, epoch=2, num_shards=3, shard_id=r) for r in range(3)]
    assert all(len(s) == 320 for s in shards)  # 1003 // 3 = 334 -> 20 whole batches of 16
    assert len(set().union(*map(set, shards))) == 960
    assert list(shards[1]) == list(epoch_sample_order(1003, 16, seed=5, epoch=2, num_shards=3, shard_id=1))
    assert list(epoch_sample_order(1003, 16, 5, 3)) != list(epoch_sample_order(1003, 16, 5, 2))
    assert sorted(epoch_sample_order(64, 16, 5, 0)) == list(range(64))

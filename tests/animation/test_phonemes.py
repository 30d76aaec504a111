from vhuman.animation.phonemes import fold_phonemes, ipa_to_visemes, is_bilabial, strip_ipa
from vhuman.animation.vocabulary import Viseme
from vhuman.models.types import PhonemeTiming

V = Viseme


def test_core_consonants_and_vowels_map_to_oculus_visemes():
    expect = {
        "p": V.PP,
        "b": V.PP,
        "m": V.PP,
        "f": V.FF,
        "v": V.FF,
        "θ": V.TH,
        "ð": V.TH,
        "t": V.DD,
        "k": V.KK,
        "ɡ": V.KK,
        "ʃ": V.CH,
        "s": V.SS,
        "n": V.NN,
        "l": V.NN,
        "ɹ": V.RR,
        "ɑ": V.AA,
        "æ": V.AA,
        "ɛ": V.E,
        "ɪ": V.IH,
        "i": V.IH,
        "ɔ": V.OH,
        "u": V.OU,
        "w": V.OU,
    }
    for ph, vis in expect.items():
        assert ipa_to_visemes(ph) == [(vis, 1.0)], ph


def test_diphthongs_affricates_length_and_stress_marks():
    assert [v for v, _ in ipa_to_visemes("aɪ")] == [V.AA, V.IH]
    assert [v for v, _ in ipa_to_visemes("oʊ")] == [V.OH, V.OU]
    assert abs(sum(f for _, f in ipa_to_visemes("eɪ")) - 1.0) < 1e-9
    assert ipa_to_visemes("tʃ") == [(V.CH, 1.0)] and ipa_to_visemes("dʒ") == [(V.CH, 1.0)]
    assert ipa_to_visemes("ˈɑː") == [(V.AA, 1.0)]
    assert strip_ipa("ˈtʰiː") == "ti"


def test_pauses_transparent_and_unknown_symbols():
    for pause in (" ", ",", ".", "^", "$", "!"):
        assert ipa_to_visemes(pause) == [(V.SIL, 1.0)]
    assert ipa_to_visemes("h") == []  # shows the neighbouring vowel instead
    assert ipa_to_visemes("☃") == [(V.SIL, 1.0)]
    assert ipa_to_visemes("ã") == [(V.AA, 1.0)]  # nasalised vowel -> its base letter


def test_folding_piper_alignments_merges_marks_and_keeps_total_duration():
    raw = [
        ("^", 768),
        ("h", 768),
        ("ə", 1536),
        ("l", 1536),
        ("ˈ", 1536),
        ("o", 1792),
        ("ʊ", 1024),
        (",", 3584),
        (" ", 3840),
        ("b", 768),
        ("ˈ", 1024),
        ("ɑ", 1536),
        ("ː", 1280),
        ("b", 1792),
        ("$", 1024),
    ]
    timings, start = [], 0
    for ph, n in raw:
        timings.append(PhonemeTiming(ph, start, n))
        start += n
    folded = fold_phonemes(timings)
    assert [p.phoneme for p in folded] == ["^", "h", "ə", "l", "o", "ʊ", " ", "b", "ɑː", "b", "$"]
    assert sum(p.duration for p in folded) == start
    o = folded[4]
    assert (
        o.start == 768 + 768 + 1536 + 1536 and o.duration == 1536 + 1792
    )  # stress joins the vowel
    assert all(a.end == b.start for a, b in zip(folded, folded[1:], strict=False))
    assert is_bilabial("b") and is_bilabial("mː") and not is_bilabial("f")

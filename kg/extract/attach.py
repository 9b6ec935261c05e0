"""Ties each reported value to the metric, dataset and method its sentence gives it.

The sentence's structure is approximated by the words between a value and the names around it
(the names themselves masked): the metric written right after the number ("76.8% top-1 accuracy",
"4.8/8.2 WER") or right before it ("an accuracy of 78.7%", "improves mIoU by 2.4"); the dataset
after a preposition ("76.8% on Kinetics-600"), in a parenthesis after it ("ModelNet40 (74%)"), or in a
sentence-opening frame ("On VQAv2, ..."); the method that is the subject of the sentence, skipping
the names it is compared with ("outperforms METER by 1.09%") or built from, or the one named after
the number ("compared with 71.2% for BLIP"). Values written as one list ("77.0%, 76.8% and 76.8% on
...") share what one of them states: the change flag, the metric, and datasets listed in the same
order ("respectively"). Only when no structure says, the nearest name in the same clause is taken.

A sentence that names no dataset takes one from the paper: the one dataset it evaluates on (a
dataset only trained on is none: "trained on LAION-400M and evaluated on COCO"), the datasets of the
sentence right before when its values were each on one ("... 47.2% on D1 and 44.8% on D2. These
exceed X by 2.1% and 1.6%."), or an earlier list as long as its values ("respectively").

A metric or dataset the vocabulary does not know is read from its form where the structure expects
one ("an NDCG@10 of 0.41", "4.8 WER", "a mean absolute error of 0.27", "on MVTec-3D"); a paper that
names one dataset (or one metric) lends it to the values of sentences that name none.
"""
from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import lru_cache

from kg.extract.lexicon import alternation, load_cues, load_result_cues
from kg.extract.normalise import entity_key
from kg.extract.results import AFTER_NAME, INTEGER, SIZE_AFTER
from kg.model import Result

CUES = load_result_cues()  # the word lists (pipelines/lexicon/results.json)


@dataclass
class Named:
    """A mention in a value's sentence: where, as written, and (for methods) whether proposed."""

    start: int
    end: int
    text: str
    proposed: bool = False
    concept: bool = False
    guessed: bool = False  # found by its form and place (not a mention of the paper's entities)
    of_tasks: bool = False  # a success rate read from the share of tasks completed ("completes 91% of tasks")


@dataclass
class _Value:
    value: float
    unit: str | None
    relative: bool
    start: int
    end: int
    group: int
    needs: str
    metric: Named | None = None
    metric_after: bool = False
    dataset: Named | None = None
    method: Named | None = None
    members: list[_Value] = field(default_factory=list)  # the values of its list (itself included)
    on_device: bool = False  # measured on a machine ("14 FPS on an RTX 3090"), on no dataset but its own
    qualifier: str = ""  # what the value is of, when values of one metric differ by it: "Dice (tumor core)"
    parts_end: int = -1  # the end of the list of parts written after its list ("... for A, B and C"), where its phrase ends
    phrase_dataset: Named | None = None  # the dataset its own phrase names ("78% on D", "91% of D tasks"), if any


# the words that may stand between two values of one list; "D"/"M" stand for a dataset/metric name
LIST_GAP = re.compile(
    r"""^\s*(?:(?:ms|s|sec|m|mm|cm|km|Å|eV|dB|px|pixels)\s+)?(?:M\s*)?(?:(?:on|in|for)\s+(?:the\s+)?D\s*(?:M\s*)?)?
        (?:,\s*(?:and|or)?|and|or|/|;|vs\.?|to)?\s*
        (?:(?:an?|the)\s+)?(?:(?:M\s*(?:of|=|:|at|is)?|(?-i:[A-Za-z][\w@-]*[A-Z][\w@-]*)\s*(?:of|=|:))\s*)?(?:(?:up\s+to|at\s+least|at\s+most|about|around|nearly|over|\+)\s*)?$""",
    re.I | re.X,
)
# between a value and the metric written after it: "76.8% top-1 accuracy", "1.3% improvements in
# overall accuracy", "2.4 points of mIoU", "77.0% on D zero-shot accuracy"
METRIC_AFTER_GAP = re.compile(
    r"""^\s*(?:(?:absolute|relative|average|mean|overall|points?|pp|higher|lower|better|worse|improvements?|gains?|
        increases?|boosts?|reductions?|decreases?|drops?|increments?|in|of|on|the|an?|D|ms|s|sec|seconds|dB|mm|cm|m|Å)\s+)*$""",
    re.I | re.X,
)
# between a metric and the value after it: "accuracy of 78.7%", "mIoU by 2.4", "BLEU 34.2", "WER (4.8"
METRIC_BEFORE_GAP = re.compile(
    r"""^\s*(?:(?:\(|\)|:|=|of|is|was|are|were|reach\w*|achiev\w*|attain\w*|obtain\w*|scor\w*|at|by|to|up\s+to|
        about|around|approximately|nearly|over|only|just|an?|the|absolute|relative|average|mean|improv\w*|
        increas\w*|boost\w*|gains?|rais\w*|reduc\w*|decreas\w*|lower\w*|drops?|dropp\w*|on\s+(?:the\s+)?D|
        in\s+(?:the\s+)?D|at\s+least|more\s+than|than|with|from)\s*)*$""",
    re.I | re.X,
)
# between a value (and its metric) and the dataset it is on: "76.8% on Kinetics-600", "on the D test set"
# (no other number between them: digits only inside words, "for zero-shot 3D classification on D")
DATASET_AFTER_GAP = re.compile(
    r"^(?!.*\b(?:and|or)\s+(?:on|in|for|at|with)\s)(?:[^,;:\d()]|(?<=[A-Za-z-])\d|\d(?=[A-Za-z])){0,40}?\b(?:on|in|for|over|across|at|of)\s+(?:the\s+)?(?:[\w-]+\s+){0,2}?$", re.I)
# between a dataset and a value in parentheses or after a colon: "ModelNet40 (74% ...)", "COCO: 45.2",
# or the measure that moves on it: "improves ANLS on D from 78.3 to 84.6"
DATASET_BEFORE_GAP = re.compile(r"^\s*(?:[(:]|,?\s*(?:with|reaching|achieving)|from)\s*(?:M\s*)?(?:of|=|:)?\s*$", re.I)
# between a dataset after a preposition and the change said on it: "outperforms X on D by 2.7%",
# "improves mAP on D by 4.1"
CHANGE_ON_BEFORE = re.compile(r"\s+(?:(?:in\s+)?M\s+)?by\s+(?:(?:about|around|nearly|up\s+to|over|roughly|approximately)\s+)?", re.I)
# a sentence that opens with the dataset it is about: "On VQAv2, ...", "For instance, in PASCAL VOC 2007 ..."
# (also a clause's: "...: using Mask R-CNN on COCO, X reaches ..."), or with the experiments it reports
# ("Experiments on nuScenes show that X improves ...")
FRAME_BEFORE = re.compile(
    r"""^\s*(?:[A-Z][\w ]{0,25},\s*)?(?:(?:using|with|under)\s+[^,;]{1,40}?\s+)?
        (?:on|in|for|across|over|at)\s+(?:the\s+)?(?:[\w-]+\s+){0,2}?$""", re.I | re.X)
EXPERIMENTS_ON = re.compile(
    r"^\s*(?:[\w-]+\s+){0,2}?(?:experiments|evaluations?|results|tests|studies)\s+(?:on|in|over|across)\s+(?:the\s+)?(?:[\w-]+\s+){0,2}?$",
    re.I)
# where a clause opens, for its frame: the sentence's start, a colon or semicolon, "while", ", and"
CLAUSE_OPEN = re.compile(r"[:;]|\b(?:while|whereas|but)\b|,\s+and\b", re.I)
COMPARED_BEFORE = re.compile(r"\b(?:outperform\w*|surpass\w*|beat\w*|exceed\w*|than|over|versus|vs\.?)\s+(?:the\s+)?$", re.I)
CLAUSE_END = re.compile(r"[,;]")
# a variant of the model compared with: "Compared with TerraNet-S, our model ...", "outperforms TerraNet-S"
COMPARED_VARIANT = re.compile(
    r"\b(?:outperform\w*|surpass\w*|beat\w*|exceed\w*|than|over|versus|vs\.?|against|unlike|compared\s+(?:to|with)|relative\s+to)"
    r"\s+(?:the\s+|an?\s+|our\s+)?(?:[\w-]+\s+){0,2}?$", re.I)
NAME_MARK = re.compile(r"\b[DM]\b")  # a dataset or metric name in a gap
ARTICLE_END = re.compile(r",\s*(?:an?|the)\s*$", re.I)
CHAINED = re.compile(r"^\s*(?:,\s*(?:and|or)?|and|or|/)\s*$", re.I)
# a method named after its value: "compared with 71.2% for BLIP", "45.1 mAP achieved by DETR"
# or in a parenthesis of its own: "81.2% (X-S) and 83.9% (X-B)"
METHOD_AFTER_GAP = re.compile(r"^\s*(?:M\s*)?(?:(?:(?:achieved|obtained|reported)\s+)?(?:for|by)\s+(?:the\s+)?|\(\s*)$", re.I)
# a method that is not the subject: compared with, or a part or tool of the subject
NOT_SUBJECT_BEFORE = re.compile(
    r"""\b(?:than|over|outperform\w*|surpass\w*|beat\w*|exceed\w*|compared\s+(?:to|with)|comparison\s+(?:to|with)|
        versus|vs\.?|against|from|to|including|such\s+as|like|e\.g\.,?|i\.e\.,?|using|uses?|utiliz\w*|with|
        based\s+on|built\s+(?:on|upon)|on\s+top\s+of|via|through|into|upon|unlike|relative\s+to)
        \s+(?:[\w-]+\s+){0,4}$""",
    re.I | re.X,
)
# a name right after a preposition is no subject: "with 1.2 ms latency on an iPhone 12, 2.1x faster"
PREPOSITION_BEFORE = re.compile(r"\b(?:on|at|in)\s+(?:an?\s+|the\s+)?$", re.I)
# the level a change starts from: "improves PSNR from 19.9 to 21.3", "the NDS of X falls from 51.7 to 31.2"
FROM_LEVEL_BEFORE = re.compile(r"\bfrom\s+(?:about\s+|around\s+|roughly\s+)?$", re.I)
LEVEL_TO = re.compile(r"\s*(?:%|x|×|[A-Za-zÅ]{1,3}\b)?\s*to\s*")
# the system whose level it is: "the top-1 accuracy of X from ...", "the NDS of X falls from ..."
OF_SYSTEM = re.compile(r"\bof\s+(?:the\s+|an?\s+)?$", re.I)
# (with a verb of its own after X, the measure of X is what changes, and both levels are X's)
OF_SYSTEM_GAP = re.compile(r"^\s*(?:(?:baseline|model)\s+)?(?P<verb>[a-z]+\s+)?from\s+(?:about\s+|around\s+|roughly\s+)?$")
# or the system it is compared with: "... from 19.9 to 21.3 relative to X", "Compared with X, ..."
COMPARED_SYSTEM = re.compile(
    r"\b(?:relative\s+to|over|compared\s+(?:to|with)|than|versus|vs\.?|against)\s+(?:the\s+|an?\s+)?$", re.I)
# a system's name: a capital or a digit inside it, not opening with a plain word ("multimodal LLMs")
SYSTEM_NAME = re.compile(r"(?![a-z]+\s)\S+?[A-Z0-9]\S*(?:\s\S+)*")
# Metrics the vocabulary does not know, from their form: an acronym ("WER", "NDCG@10", "mAP", "F1",
# "BLEU-4") or a phrase ending in a metric's head noun ("mean absolute error", "success rate",
# "Dice score"), with the modifiers metric names take ("top-1", "exact", "macro", "word")
_ACRONYM = r"(?:[A-Z]{2}[\w@.-]*|[A-Z][a-z]?[A-Z][\w@.-]*|m[A-Z][\w@-]*|[A-Z]\d[\w@-]*|[A-Z]@\d+)"
_HEAD = rf"(?:{alternation(CUES.metric_head_nouns)})"
_MODIFIER_WORDS = alternation(CUES.metric_modifier_words)
_LOWER_MODIFIER = rf"(?:[a-z]+-[\w@-]+|[a-z]+@\d+|{_MODIFIER_WORDS})"
_MODIFIER = rf"(?:[A-Z][\w@-]*|{_LOWER_MODIFIER})"
_PHRASE = rf"(?:(?:{_MODIFIER}\s+){{0,3}}{_HEAD}|{_ACRONYM}(?:\s+{_HEAD})?)"
_CUT = r"(?:\s+at\s+(?:IoU\s+)?\d+(?:\.\d+)?)?"  # (a cut-off inside a guessed name: "hit rate at 10 by 3.2%")
GUESS_METRIC_AFTER = re.compile(
    rf"\s*(?:(?:points?|pp|absolute|relative|higher|lower|better|improvements?\s+in|gains?\s+in|ms|s|dB|mm|cm|m)\s+)*(?P<m>{_PHRASE})\b")
_ADVERB = r"(?:(?:about|only|just|around|nearly|approximately|over|up\s+to)\s+)?"
GUESS_METRIC_BEFORE = re.compile(rf"\b(?P<m>{_PHRASE}{_CUT})\s*(?:\(|:|=|of|is|was|reach\w*|at)\s*{_ADVERB}$")
# an acronym defined in parentheses right before the value names the measure: "a median matching
# RMSD (MAT-R) of 0.38", "a concordance index (C-index) of 0.71"; the acronym is its short name
GUESS_ACRONYM_BEFORE = re.compile(
    rf"[\w-]\s+\((?P<m>{_ACRONYM}|[A-Z][\w-]*-[\w-]+)\)\s*(?:scores?\s+)?(?:of|=|:|is|was|reach\w*)\s*{_ADVERB}$")
GUESS_METRIC_CHANGED = re.compile(
    rf"\b(?:improv\w*|reduc\w*|lower\w*|boost\w*|increas\w*|decreas\w*|rais\w*|cut\w*)\s+(?:the\s+|its\s+|our\s+)?"
    rf"(?P<m>(?:{_PHRASE}|(?:[a-z][\w-]*\s+){{1,2}}{_HEAD}){_CUT})\s+(?:by|to)\s+(?:(?:about|only|up\s+to|nearly|around|over)\s+)?$")
# "... and memory usage by 3.1x": a measure coordinated with an earlier object of a change verb
GUESS_METRIC_COORDINATED = re.compile(
    rf"(?:\band|,)\s+(?:the\s+|its\s+|their\s+)?(?P<m>(?:{_PHRASE}|(?:[a-z][\w-]*\s+){{1,2}}{_HEAD}){_CUT})\s+by\s+{_ADVERB}$")
_CHANGE_VERB = r"(?:improv|reduc|lower|boost|increas|decreas|rais|cut)\w*"
CHANGE_VERB = re.compile(rf"\b{_CHANGE_VERB}\s", re.I)
# "Latency is reduced by 35%", "memory footprint was cut by 3.9x": the measure changed, as subject
GUESS_METRIC_PASSIVE = re.compile(
    rf"\b(?P<m>{_PHRASE})\s+(?:is|are|was|were)\s+(?:(?:further|also)\s+)?(?:improv|reduc|lower|boost|increas|decreas|rais|cut)\w*"
    rf"\s+(?:by|to)\s+{_ADVERB}$", re.I)
# "Melanoma sensitivity on darker skin improves from 0.61 to 0.83": the measure that moves
GUESS_METRIC_FROM = re.compile(
    rf"\b(?P<m>{_PHRASE})\s+(?:(?:on|in|for|of|at)\s+(?:[\w-]+\s+){{1,3}}?)?"
    rf"(?:improv\w*|ris\w*|rose|increas\w*|fall\w*|fell|drop\w*|decreas\w*|goes|went|jump\w*|climb\w*|mov\w*)\s+from\s+$")
# "improves ANLS on DocVQA from 78.3 to 84.6": the measure the verb moves
GUESS_METRIC_CHANGED_FROM = re.compile(
    rf"\b(?:improv\w*|reduc\w*|lower\w*|boost\w*|increas\w*|decreas\w*|rais\w*|cut\w*)\s+(?:the\s+|its\s+|our\s+)?"
    rf"(?P<m>{_PHRASE})\s+(?:(?:on|in|for)\s+(?:the\s+)?(?:[\w-]+\s+){{1,3}}?)?from\s+$")
ACRONYM = re.compile(_ACRONYM)
# a clause that opens with the measure it reports: "under VUS-ROC, ...", "In terms of BLEU, ..."
METRIC_FRAME = re.compile(
    rf"\s*(?i:under|in\s+terms\s+of|with\s+respect\s+to|regarding|measured\s+by)\s+(?:(?i:the)\s+)?(?P<m>{_PHRASE})"
    rf"(?:\s+(?i:metric|score))?\s*,")
# the cut-off a ranking measure is read at, written before it: "Rank-1 accuracy", "Hit-10 rate"
# (not a name with a number: "WikiText-2 perplexity" is the perplexity on WikiText-2)
CUTOFF_MODIFIER = re.compile(r"(?<![\w-])(?P<mod>(?i:rank|top|hits?|recall|precision|pass)-\d+)\s+$")
# ... or written after it: "recall at 10" (recall@10), "NDCG at 20", "AP at IoU 0.5" (AP@0.5): the
# measure's name holds its cut-off, as "NDCG@10" and "mAP@0.5" write it (RESULTS_GUIDELINES.md)
CUTOFF_AFTER = re.compile(r"\s+at\s+(?:(?i:an?\s+)?(?:IoU|k|K|rank|top)\s*(?:=\s*|(?i:threshold\s+)?of\s+)?)?"
                          r"(?P<k>\d+(?:\.\d+)?)(?![\w%]|\.\d|\s*(?:%|percent|x\b|×))"
                          # (the number ends the phrase: "accuracy at 96 GFLOPs" is a cost, not a cut-off)
                          r"(?=\s*(?:[,;:.)]|$)|\s+(?:of|by|and|or|on|in|for|with|over|than|to|while|whereas|compared|"
                          r"versus|vs\.?|is|was|are|were|respectively|from|across|when|reach\w*|achiev\w*)\b)")
CUTOFF_HEAD = re.compile(r"(?<![\w-])(?i:recall|precision|ndcg|hits?|hit\s+(?:rate|ratio)|m?AP|MRR|F1|accuracy|success\s+rate)$")
CUT_WORDS = re.compile(r"\s+at\s+(?:IoU\s+)?(?=\d)")
# a hyphenated compound written right before a metric names the variant measured: its granularity,
# averaging or setting ("pixel-level AUROC", "macro-averaged F1", "5-shot accuracy", "out-of-distribution
# accuracy"), unless it qualifies the value ("state-of-the-art") or describes the model or the process
# rather than the measure: a size or degree ("full-dimensional MRR", "low-resolution"), a word repeated
# ("frame-to-frame label switching rate", "end-to-end latency")
METRIC_MODIFIER = re.compile(
    rf"(?<![\w-])(?!(?:{alternation(CUES.not_variant_words)})-)(?!(?P<w>[a-z]+)-(?:to|by|for|on)-(?P=w)\b)"
    r"(?P<mod>(?:[a-z]+|\d+)(?:-[a-z0-9]+)+)\s+$")
HYPHENATED_BEFORE = re.compile(r"(?<![\w-])(?P<h>[a-z0-9]+(?:-[a-z0-9]+)+)\s+$")
# metrics joined by slashes, written beside as many values: "EM/F1 of 80.1/87.3", "80.1/87.3 EM/F1"
_SLASHED = r"(?P<list>[A-Za-z][\w@.-]*(?:/[\w@.-]+)+)"
SLASHED_BEFORE = re.compile(rf"\b{_SLASHED}\s*(?:scores?\s+)?(?:of|=|:|at|are|were|is)?\s*\(?\s*$")
SLASHED_AFTER = re.compile(rf"\s*{_SLASHED}")
# metrics coordinated in one phrase, written beside as many values: "precision and recall of 80.1 and
# 75.2", "BLEU and chrF scores of 34.1 and 58.2", "80.1 and 75.2 in precision and recall"
METRIC_CHAIN_GAP = re.compile(r"\s*(?:,\s*(?:and|or|as\s+well\s+as)?|and|or|as\s+well\s+as|&)\s*(?:(?:an?|the|its|their)\s+)?", re.I)
CHAIN_BEFORE_GAP = re.compile(
    rf"""\s*(?:(?:scores?|values?|rates?|metrics?|results?)\s+)?(?:(?:on|in|for)\s+(?:the\s+)?D\s+)?\(?\s*
        (?:(?:of|are|were|is|was|=|:|reach\w*|achiev\w*|attain\w*|stand\s+at|by|to|(?:(?:improv|increas|ris|ros|jump|climb|reduc|decreas|drop|fall|fell)\w*\s+(?:by|to)))\s*)?
        {_ADVERB}""", re.I | re.X)
CHAIN_AFTER_GAP = re.compile(r"\s*(?:(?:in|for|on)\s+(?:terms\s+of\s+)?(?:the\s+)?)?", re.I)
METRIC_LIKE = re.compile(r"[A-Za-z][\w@.-]*[A-Z0-9@][\w@.-]*|[A-Z][\w@.-]*")
# a value over many datasets is on none of them: "average accuracy over 11 datasets by 3.4%"
AGGREGATE = re.compile(
    r"\b(?:over|across|on|in)\s+(?:all\s+|the\s+)?(?:\d+|two|three|four|five|six|seven|eight|nine|ten|several|multiple|many|various|all)"
    r"\s+(?:[\w-]+\s+)?(?:datasets|benchmarks|tasks|languages|domains|corpora)\b", re.I)
METRIC_OF_TASK_BY = re.compile(r"\s+(?:of|on|for|in)\s+(?:the\s+)?(?:[\w-]+\s+){1,4}?(?:by|to)\s+(?:(?:about|around|nearly|up\s+to|over)\s+)?", re.I)
CHANGE_LINK_AFTER = re.compile(rf"\s+(?:(?:on|in)\s+(?:the\s+)?D\s+)?(?:by|to)\s+{_ADVERB}", re.I)
CHANGE_VERB_BEFORE = re.compile(rf"\b{_CHANGE_VERB}\s+(?:the\s+|its\s+|our\s+)?$", re.I)
NAMED_MEASURE_BEFORE = re.compile(r"\b(?:an?|the|its|their|and)\s+$", re.I)
MEASURE_LINK = re.compile(rf"\s+(?:of|=)\s+{_ADVERB}", re.I)
LINK_BEFORE = re.compile(rf"(?:\(|:|=|\bof|\bis|\bwas|\breach\w*|\bat)\s*{_ADVERB}$")
CHANGE_LINK = re.compile(rf"\b(?:by|to)\s+{_ADVERB}$")
NOT_METRICS = CUES.not_metrics
# a dataset the vocabulary does not know, after "on": a name with digits, inner capitals or all
# capitals ("MVTec-3D", "WMT14", "CIFAR-100"), or any capitalised name before "dataset"/"benchmark"
_NAME_FIRST = r"(?:[A-Z][\w-]*\d[\w-]*|[A-Z]{2}[\w-]*|[A-Z][a-z]+-?[A-Z][\w-]*|[a-z]{1,4}-?[A-Z][\w-]*)"  # (also "Flickr-SoundNet", "arXiv")
GUESS_DATASET_AFTER = re.compile(
    rf"[^,;:\d()]{{0,25}}?\b(?:on|in)\s+(?:the\s+)?(?P<d>{_NAME_FIRST}(?:[\s-](?:[A-Z][\w-]*|\d[\w.-]*))*"
    rf"|[A-Z][\w-]+(?:\s[A-Z][\w-]+)*(?=\s(?:dataset|benchmark|corpus|test\s+set)))")
# a name written with the split a value is on is a dataset, whatever its form: "on the Harbor dev set",
# "on Dunmore's test split", "on the validation split of Cobble" (the split is not part of its name)
_SPLIT = r"(?:test|dev|development|validation|val|evaluation|held-out)\s+(?:sets?|splits?|subsets?)\b"
_SPLIT_NAME = r"[A-Z][\w-]*(?:'(?!s\b)[\w-]+)?(?:\s(?:[A-Z][\w-]*|\d[\w.-]*)){0,2}"
_WITH_SPLIT = (rf"\s+(?:the\s+)?(?:(?P<d>{_SPLIT_NAME})(?:'s)?\s+(?:[a-z]+\s+)?{_SPLIT}"
               rf"|{_SPLIT}\s+of\s+(?:the\s+)?(?P<d2>{_SPLIT_NAME})(?![\w-]))")
GUESS_DATASET_SPLIT = re.compile(rf"[^,;:\d()]{{0,25}}?\b(?:on|in){_WITH_SPLIT}")
GUESS_SPLIT_FRAME = re.compile(rf"\s*(?i:on|in|for){_WITH_SPLIT}\s*,")
# between a dataset and the metric it modifies: nothing, or its split ("LibriSpeech test-other WER")
MODIFIER_GAP = re.compile(r"\s+(?:(?:test|dev|val|validation)(?:-[a-z]+)?\s+)?")
# a value measured on one machine, written right after it: "14 FPS on an RTX 3090", "3x faster on a single GPU"
ON_DEVICE = re.compile(r"\s*(?:[\w-]+\s+){0,3}?(?:on|using)\s+(?:an?|one|a\s+single)\s+(?!\w+\s+(?:of|set|split|subset)\b)", re.I)
# the place right after a value (and its metric) where the dataset it is on is written: "82.1 mIoU on
# Cityscapes.", "4.5% on SWaT and ..." (any capitalised name there, or a name taken for a method; a
# name with an article before it is a thing, not a benchmark: "on an iPhone")
DATASET_SLOT = re.compile(r"\s*(?:on|in)\s+$")
# (the name ends its phrase, and is not the first of a list: "on A, B and C, respectively")
_SLOT_END = (r"(?!\s*(?:,|and|&)\s*[A-Z])(?:\s*(?:[,;)]|\.(?:\s|$)|$)"
             r"|\s+(?:and|while|whereas|but|with|compared|over|versus|vs|datasets?|benchmarks?)\b)")
GUESS_DATASET_SLOT = re.compile(
    rf"\s*(?:on|in)\s+(?P<d>[A-Z][a-z][\w'-]*(?:\s(?:[A-Z][\w'-]*|\d[\w.-]*))*)(?={_SLOT_END})")
SLOT_END = re.compile(_SLOT_END)
WORD_REST = re.compile(r"\w*")
# a finite change verb at the start of a metric mention ("reduces hallucination rate") is not its name
LEADING_VERB = re.compile(r"(?i:improv|reduc|lower|boost|increas|decreas|rais|cut)\w*(?:s|ed)\s+(?=\S)")
# a clause that opens with such a name: "On Amazon-Books, ...", "On WMT'22 En-De, ..."
GUESS_FRAME = re.compile(
    rf"\s*(?i:on|in|for|across)\s+(?:(?i:the)\s+)?(?P<d>(?:{_NAME_FIRST}|[A-Z]{{2}}[\w'-]*)(?:\s(?:[A-Z][\w'.-]*|\d[\w.-]*)){{0,3}})"
    rf"(?:\s+(?:dataset|benchmark|corpus))?\s*,")
# a name the vocabulary does not know, after "on", that a change is said on: "outperforms X on Plantix by 2.7%"
GUESS_CHANGE_ON = re.compile(
    r"\b(?:on|in)\s+(?:the\s+)?(?P<d>[A-Z][\w'-]+(?:\s(?:[A-Z][\w'-]*|\d[\w.-]*)){0,2})\s+by\s+"
    r"(?:(?:about|around|nearly|up\s+to|over|roughly|approximately)\s+)?$")
# a sentence or clause that opens "On Name," names the benchmark it reports on, even a plain word ("On
# Spider, ...", "...; on Plantix, it reaches ...")
GUESS_OPENING_FRAME = re.compile(r"\s*[Oo]n\s+(?:the\s+)?(?P<d>[A-Z][a-z][\w'-]*(?:\s[A-Z][\w'.-]*|\s\d[\w.-]*){0,2})(?:\s+(?:dataset|benchmark|corpus))?\s*,")
_NAME = r"[A-Z][\w'.-]*(?:\s(?:\d[\w.-]*|[A-Z][\w'.-]*))?"
NAME = re.compile(_NAME)
GUESS_DATASET_LIST = re.compile(
    rf"[^,;:\d()]{{0,40}}?\b(?:on|in|for|across)\s+(?:the\s+)?(?P<list>{_NAME}(?:,\s{_NAME})*,?\s(?:and|&)\s{_NAME})(?=\s*[,;.)]|\s+(?:datasets|benchmarks|respectively))")
NAME_SUFFIX = re.compile(r"(?P<suffix>\s(?:\d{1,4}(?:\.\d+)?|[vV]\d+(?:\.\d+)?|[A-Z][a-z]{1,9}(?:-|→|->)[A-Z][a-z]{1,9}))(?=[\s,;.)]|$)")
GLUED_SUFFIX = re.compile(r"(?:-[A-Za-z0-9][\w.]*?)+(?=[\s,;:)]|\.(?:\s|$)|$)")
# a list of values said of an earlier list of datasets, in order
RESPECTIVE = re.compile(r"\brespectively\b|\b(?:the|these|those|both)\s+(?:(?:two|three|four|five|six)\s+)?"
                        r"(?:datasets|benchmarks|corpora|test\s+sets)\b", re.I)
CLAUSE_BREAK = re.compile(r";|\b(?:while|whereas|but)\b", re.I)
# the share of tasks a system completes, its success rate: "completes 91.0% of ALFWorld tasks",
# "succeeds in 83% of trials" (not a share of problems solved or of issues resolved, which abstracts
# name otherwise: accuracy, resolve rate)
SUCCESS_BEFORE = re.compile(r"\b(?:complet|succeed|accomplish|finish)\w*\s+(?:in\s+|on\s+)?(?:(?:about|over|nearly|only|up\s+to)\s+)?$", re.I)
_TASKS = r"(?:tasks|episodes|trials|goals|missions)\b"
SHARE_OF_TASKS = re.compile(rf"\s*of\s+(?:the\s+|all\s+)?(?:[\w'-]+\s+){{0,3}}?(?P<n>{_TASKS})")
# ... and the benchmark whose tasks they are: "91.0% of ALFWorld tasks"
SHARE_OF_NAMED = re.compile(rf"\s*of\s+(?:the\s+)?(?P<d>[A-Z][\w'.-]*(?:\s[A-Z0-9][\w'.-]*)?)\s+(?:[a-z][\w-]*\s+)?{_TASKS}")
FASTER_AFTER = re.compile(r"\s*(?:[\w-]+\s+)?(?P<w>faster|speed-?ups?)\b", re.I)
# "speeds up decoding by 2.6x", "accelerates training by 3x"
SPEEDUP_BEFORE = re.compile(r"\b(?P<w>speeds?\s+up|speeding\s+up|accelerat\w*)\b[^,;:.\d]{0,40}?\bby\s+(?:(?:about|up\s+to|nearly|over)\s+)?$", re.I)
TRAINING_BEFORE = re.compile(
    r"\b(?:(?:pre-?)?train(?:ed|s|ing)?|distill(?:ed|s|ing)?)\s+(?:[\w-]+\s+){0,3}?(?:on|from)\s+(?:the\s+)?$", re.I)
TRAINING_AFTER = re.compile(r"\s+(?:(?:pre-?)?training\s+(?:data|set|images|samples|examples|split|corpus)|for\s+(?:pre-?)?training)\b", re.I)
# a clause joined with "and" that has a subject of its own: ", and a larger variant ...", ", and X ..."
NEW_SUBJECT = re.compile(r",\s*and\s+(?:(?:a|an|the|its|our|their|this|these)\s|[A-Z])")
# (the words that end the one or two words naming what a change is in: "27% fewer tool calls than X")
_QUANTITY_END = "|".join(rf"{w}\b" for w in CUES.quantity_end_words)
_CHANGE_QUANTITY_END = "|".join(rf"{w}\b" for w in CUES.quantity_end_words + CUES.change_quantity_end_words)
FEWER_AFTER = re.compile(
    rf"\s*(?:fewer|less)\s+(?P<m>(?!than\b)[a-z][\w-]*(?:\s(?!{_QUANTITY_END})[a-z][\w-]*)?)\b")
# "a 12% drop in latency", "a 30% increase in throughput": what changes is the measure (not "in the
# hardest setting": a setting)
CHANGE_IN_AFTER = re.compile(
    rf"\s*(?:relative\s+|absolute\s+)?(?:{alternation(CUES.change_nouns)})s?\s+in\s+"
    rf"(?P<m>(?!(?:{alternation(CUES.not_quantity_openers)})\b)[a-z][\w-]*"
    rf"(?:\s(?!{_CHANGE_QUANTITY_END})[a-z][\w-]*)?)\b")
WITH_BEFORE = re.compile(r"\bwith\s+$", re.I)
COORDINATED = re.compile(r"\s*(?:,\s*)?(?:and|or|&)\s+(?:(?:the|a|an|our|their)\s|[A-Z])|,\s*[A-Z][\w'-]*(?:\s*,|\s+and\b)")
GLUED_PREFIX = re.compile(r"(?<![\w-])(?P<pre>[A-Za-z]{1,6}-)$")
COMPOUND_WORD = re.compile(r"(?<![\w-])(?P<w>[A-Za-z]+)\s+$")
# verbs that take a metric as object: "improves vehicle segmentation IoU by 3.5"
VERB_LIKE = re.compile(rf"(?:{alternation(CUES.metric_verb_stems)})\w*$")
SPEED = re.compile(r"\b(?:speed\w*|faster|accelerat\w*)\b", re.I)


# A qualifier of a value's measure: the plain noun phrase (lowercase words, no name) of a setting or a
# part, written right after the value (and its metric): "84.3% top-1 accuracy after fine-tuning and
# 77.2% under linear probing", "0.91 for small lesions and 0.84 for large ones"
_PART = r"[a-z][a-z-]*(?:\s[a-z][a-z-]*){0,2}?"
_PART_END = r"(?=\s*(?:[,;]|\.(?:\s|$)|$)|\s+(?:and|or|while|whereas|but|on|by|respectively|compared|outperform\w*|surpass\w*)\b)"
QUALIFIER_AFTER = re.compile(rf"\s+(?:after|under)\s+(?:the\s+|a\s+)?(?P<q>{_PART}){_PART_END}")
# a part named before, after a value's metric (and its acronym or "points"): "reduces the Hausdorff
# distance (HD95) for enhancing tumor by 2.4 mm", "5.1 Dice points for tumor core"
PART_AFTER = re.compile(rf"\)?(?:\s*\([^()]{{1,15}}\)|\s+points?)?\s+for\s+(?:the\s+)?(?P<q>{_PART}){_PART_END}")
# a list of parts after a list of values, as long as it: "Dice scores of a, b and c for whole tumor,
# tumor core and enhancing tumor"
PARTS_AFTER = re.compile(
    rf"\s*,?\s+for\s+(?:the\s+)?(?P<list>{_PART}(?:,\s(?:the\s)?{_PART})*,?\s(?:and|&)\s(?:the\s)?{_PART}){_PART_END}")
# a part that names a model, a data split or a set is not a qualifier of the measure (a model's size
# goes with the method, a split with the dataset)
NOT_PART = re.compile(rf"\b(?:{alternation(CUES.not_part_words)})\b|ly\b")


def tie_results(text: str, values: Iterable[tuple], named: dict[tuple[str, int], list[Named]],
                proposed: str | None, datasets: list[Named] = (), metrics_all: list[Named] = (),
                variants: dict[int, set[str]] | None = None) -> list[Result]:
    """Results of a paper's values (the kg_results tuples), each tied by its sentence's structure.
    `datasets` are all the paper's dataset mentions, for values in sentences that name none."""
    by_sentence: dict[tuple[int, int], list[_Value]] = {}
    for value, unit, relative, start, end, s_start, s_end, *rest in values:
        group, needs = (list(rest) + [-1, ""])[:2]
        by_sentence.setdefault((s_start, s_end), []).append(_Value(value, unit, relative, start, end, group, needs))
    # the datasets the paper evaluates on: those named at least once outside a training frame
    # ("trained on LAION-400M and evaluated on COCO": COCO)
    trained = {d.text for d in datasets if _trained_on(text, d, 0)}
    evaluated = list({d.text: d for d in reversed(datasets) if d.text not in trained}.values())[::-1]
    if any(COORDINATED.match(text, d.end) for d in evaluated):
        evaluated = []  # "evaluated on D and the E dataset": several, though one name was not found
    results = []
    parts: set[str] = set()  # the parts of what is measured the paper names ("tumor core"), for later values
    # the end of the last sentence with values, their one metric, and whether it is only its levels'
    previous: tuple[int, Named, bool] | None = None
    before_ds: tuple[int, list[Named]] | None = None  # the same, and the one dataset of each of its values
    before_ms: tuple[int, list[Named]] | None = None  # the same, and the one metric of each of its values
    variant_names = set().union(*variants.values()) if variants else set()
    for (s_start, s_end), vals in by_sentence.items():
        metrics = sorted(named.get(("metric", s_start), ()), key=lambda n: n.start)
        # the paper's own method is never what its results are on (a name typed both ways)
        datasets_here = sorted((d for d in named.get(("dataset", s_start), ()) if d.text != proposed), key=lambda n: n.start)
        methods = sorted(named.get(("method", s_start), ()), key=lambda n: n.start)
        others = named.get(("task", s_start), []) + named.get(("modality", s_start), [])
        earlier = (variants or {}).get(len(text[:s_start].rstrip()), set())
        sentence = _Sentence(text, s_start, s_end, metrics, datasets_here, methods, others, own=proposed,
                             earlier_variant=next(iter(earlier)) if len(earlier) == 1 else None, variant_names=variant_names)
        vals = [v for v in vals if sentence.keeps(v)]
        if not vals:
            continue
        sentence.lists(vals)
        for v in vals:
            v.relative = any(m.relative for m in v.members)
        sentence.tie_metrics(vals)
        sentence.qualify(vals, parts)
        sentence.tie_datasets(vals)
        sentence.tie_methods(vals)
        own = {d.text for d in datasets if d.proposed}
        if not datasets_here and before_ds and not text[before_ds[0] : s_start].strip():
            # a sentence that names no dataset, right after one whose values are each on another, goes
            # on about them in order: "X reaches 47.2% on D1 and 44.8% on D2. These exceed the
            # previous best by 2.1% and 1.6%."
            for members in _lists(vals):
                if len(members) == len(before_ds[1]) and all(m.dataset is None for m in members):
                    for m, d in zip(members, before_ds[1]):
                        m.dataset = d
        if not datasets_here and len(own) == 1:
            # a paper that introduces a dataset reports, where a sentence names no other, its numbers
            # on it: "We introduce D, ... The best model reaches 64.2 F1."
            for v in vals:
                v.dataset = v.dataset or next(d for d in datasets if d.proposed)
        elif not datasets_here and len(evaluated) == 1 and evaluated[0].end <= s_start:
            # the paper's one dataset it evaluates on, named before: "We train on L and evaluate on D.
            # ... reaches 45.2 BLEU." (with several named, which one a later sentence means is a guess)
            for v in vals:
                v.dataset = v.dataset or evaluated[0]
        elif not datasets_here and RESPECTIVE.search(text, s_start, s_end):
            # "We evaluate on D1, D2 and D3. X reaches a, b and c on the three, respectively", "...
            # a and b on both datasets": the datasets of the last list as long as the values
            for members in _lists(vals):
                bare = [m for m in members if m.dataset is None]
                listed = _earlier_list(text, datasets, s_start, len(bare)) if len(bare) == len(members) > 1 else []
                for m, d in zip(bare, listed):
                    m.dataset = d
        if not metrics and before_ms and not text[before_ms[0] : s_start].strip():
            # a sentence that names no metric, right after one whose values each had another, goes on
            # with them in order: "X reaches an I-AUROC of 99.3% and a P-AUROC of 98.7% on D1. On D2,
            # it achieves 96.1% and 98.9%, respectively."
            for members in _lists(vals):
                if len(members) == len(before_ms[1]) and all(m.metric is None for m in members):
                    for m, n in zip(members, before_ms[1]):
                        m.metric = n
        if not metrics and previous and not text[previous[0] : s_start].strip() and all(v.metric is None for v in vals):
            # a sentence that names no metric, right after one whose values have one, goes on about
            # it: "... attack success rates of 78.4% and 71.9%. These rates exceed X by 15 to 30 points."
            for v in vals:
                if v.relative or not previous[2]:
                    v.metric = previous[1]
        elif not metrics and metrics_all:
            before = [m for m in metrics_all if m.end <= s_start]
            if before and len({m.text.lower() for m in metrics_all}) == 1:
                # the paper's one metric, named before: "... measured by BLEU. ... reaches 45.2."
                for v in vals:
                    v.metric = v.metric or before[-1]
        ordered = list({id(v.dataset): v.dataset for v in vals if v.dataset}.values())
        before_ds = (s_end, ordered) if len(ordered) > 1 and len(ordered) == len(vals) else None
        kept = {v.start for v in vals}  # (a number after a dataset's name that is a value is not its version)
        kinds = {v.metric.text.lower(): v.metric for v in vals if v.metric}
        # (the levels' metric, when the sentence also holds changes of another: "82.7% top-1 accuracy
        # with 2.1x less compute")
        levels = {v.metric.text.lower(): v.metric for v in vals if v.metric and not v.relative}
        # (the levels' metric goes on only to changes: "TubeSparse-B improves over X by 0.8 points")
        previous = (s_end, next(iter(kinds.values())), False) if len(kinds) == 1 else \
            (s_end, next(iter(levels.values())), True) if len(levels) == 1 else None
        before_ms = (s_end, list(kinds.values())) if len(kinds) > 1 and len(kinds) == len(vals) else None
        for v in vals:
            metric = _written_metric(text, v.metric, s_start) if v.metric else None
            if metric is None and v.unit == "x" and SPEED.search(text[s_start:s_end]):
                metric = "speedup"  # "129 times faster", "speeds up inference 3x": the measure is the speedup
            if metric is None and not (v.relative and v.unit in ("%", "x", "points")):
                continue  # a number with no metric is a reported result only as a change ("improves by 3%")
            if metric:
                metric = _short_measure(_singular(metric))  # "top-1 accuracies", "speedups"; "Dice coefficient": Dice
            if metric and v.qualifier:
                metric = f"{metric} ({v.qualifier})"
            if v.on_device:
                v.dataset = None  # "runs at 14 FPS on an RTX 3090": measured on the machine, whatever the paper's data
            if v.metric is not None and v.metric.of_tasks:
                # a share of tasks is over the tasks its sentence counts (so are the values that take
                # their measure from it): on the benchmark its own phrase names ("91% of ALFWorld
                # tasks"), not on one the paper or the sentence names elsewhere ("We evaluate on D. ...
                # On a real robot, it succeeds in 83% of trials")
                v.dataset = v.phrase_dataset
            method = v.method.text if v.method else proposed
            results.append(Result(
                metric=metric, value=v.value, unit=v.unit, method=method, dataset=_written_name(text, v.dataset, kept),
                text=text[v.start : v.end], sentence=text[s_start:s_end].strip(), start=v.start, end=v.end,
                relative=v.relative, sent_start=s_start, sent_end=s_end,
            ))
    return results


class _Sentence:
    def __init__(self, text: str, start: int, end: int, metrics: list[Named], datasets: list[Named],
                 methods: list[Named], others: list[Named], own: str | None = None, earlier_variant: str | None = None,
                 variant_names: set[str] = frozenset()):
        self.text, self.start, self.end = text, start, end
        self.own = own  # the name of the paper's own method, if it proposes one
        self.earlier_variant = earlier_variant  # the one variant of it the sentence before named, if any
        self.variant_names = variant_names  # the names of its variants the paper writes ("X-B", "X-L")
        # "outperforming MAE by 0.7": what is outperformed is a system, even when named like a metric
        metrics = [m for m in metrics if not COMPARED_BEFORE.search(text, start, m.start)]
        metrics = [_with_cutoff(text, m, end) for m in metrics]
        self.metrics, self.datasets, self.methods = metrics, datasets, methods
        self.names = sorted([*metrics, *datasets, *methods, *others], key=lambda n: n.start)
        self.breaks = [m.start() for m in CLAUSE_BREAK.finditer(text, start, end)]

    # ------------------------------------------------------------------ helpers

    def gap(self, a: int, b: int) -> str:
        """text[a:b] with the dataset names in it written "D" and the metric names "M"."""
        if b <= a:
            return ""
        out, pos = [], a
        names = sorted([(n.start, n.end, "D") for n in self.datasets if a <= n.start and n.end <= b]
                       + [(n.start, n.end, "M") for n in self.metrics if a <= n.start and n.end <= b])
        for s, e, mark in names:
            if s < pos:
                continue
            out.append(self.text[pos:s])
            out.append(mark)
            pos = e
        out.append(self.text[pos:b])
        return "".join(out)

    def clause(self, i: int) -> int:
        return sum(1 for b in self.breaks if b <= i)

    def keeps(self, v: _Value) -> bool:
        """A value flagged by the finder stays only with a metric beside it: "BLEU 34.2" (not
        "wav2vec 2.0"), "41 BLEU" (not "3 benchmarks")."""
        if any(m.start <= v.start and v.end <= m.end for m in self.metrics):
            return False  # the cut-off of a measure: "AP at IoU 0.75", "recall at 10"
        if v.needs == AFTER_NAME:
            metric, after = self.own_metric(v)
            return metric is not None and not after and not self.text[metric.end : v.start].strip()
        if v.needs == INTEGER:
            if WITH_BEFORE.search(self.text, max(self.start, v.start - 6), v.start):
                return False  # a setting: "94.6% accuracy with 4 time steps", "with 8 GPUs"
            if any(n.end <= v.start and not self.text[n.end : v.start].strip() for n in [*self.datasets, *self.methods]):
                return False  # the version of the name before it: "TED-LIUM 3", "YOLO 8"
            return self.own_metric(v)[0] is not None
        return True

    def unnamed(self, a: int, b: int) -> tuple[int, int] | None:
        """text[a:b] after the names it starts with; None if a name is inside it (a metric or
        dataset guessed from the words must not be a known method, dataset or task)."""
        for n in self.names:
            if n.start < b and n.end > a:
                if n.start - a >= 2:
                    return None
                a = max(a, n.end)
        while a < b and not self.text[a].isalnum():
            a += 1
        return (a, b) if a < b else None

    def nearest(self, names: list[Named], v: _Value, taken: set[int] = frozenset(), within: int = 80,
                any_clause: bool = False) -> Named | None:
        """The name closest to the value in its clause, within 80 characters."""
        best = None
        clause = self.clause(v.start)
        for n in names:
            if id(n) in taken or (not any_clause and self.clause(n.start) != clause):
                continue
            dist = n.start - v.end if n.start >= v.end else v.start - n.end
            if dist < within and (best is None or dist < best[0]):
                best = (dist, n)
        return best[1] if best else None

    # ------------------------------------------------------------------ lists

    def lists(self, vals: list[_Value]) -> None:
        """Values written as one list ("A/B", "A-B", "A, B and C", "A on D1, B on D2") share members."""
        current = [vals[0]]
        for prev, v in zip(vals, vals[1:]):
            gap = self.gap(prev.end, v.start)
            # (a change after a level and its dataset is said of them, not listed with them: "0.49
            # on D, 6% higher than ...")
            # (nor is a change in a phrase of its own: "an MAE of 1.32, a 14% reduction over X")
            if (v.group >= 0 and v.group == prev.group) or (LIST_GAP.match(gap) and not (
                    v.relative and not prev.relative and (NAME_MARK.search(gap) or ARTICLE_END.search(gap)))):
                current.append(v)
            else:
                for m in current:
                    m.members = current
                current = [v]
        for m in current:
            m.members = current

    # ------------------------------------------------------------------ metric

    def own_metric(self, v: _Value) -> tuple[Named | None, bool]:
        for m in self.metrics:  # written right after
            if m.start >= v.end and (METRIC_AFTER_GAP.match(self.gap(v.end, m.start))):
                return m, True
        after = self.guessed_metric_after(v)  # "1.2 ms latency": the words right after bind tighter
        if after is not None:
            return after, True
        for m in reversed(self.metrics):  # written right before
            if m.end <= v.start and METRIC_BEFORE_GAP.match(self.gap(m.end, v.start)) \
                    and not COMPARED_BEFORE.search(self.text, self.start, m.start):
                return m, False  # (but "outperforming MAE by 0.7" names the system beaten, not a metric)
        for m in reversed(self.metrics):  # "cuts the MAE of HOMO prediction by 18%"
            if m.end <= v.start and METRIC_OF_TASK_BY.fullmatch(self.text, m.end, v.start) \
                    and CHANGE_VERB_BEFORE.search(self.text, max(self.start, m.start - 40), m.start):
                return m, False
        for m in self.methods:
            # "25.4% AP3D": a name right after a value, written as a metric's acronym, is its measure
            if m.start >= v.end and not self.text[v.end : m.start].strip() and ACRONYM.fullmatch(m.text) \
                    and not m.proposed:
                return Named(m.start, m.end, m.text, guessed=True), True
        for m in reversed(self.methods):
            # "reduces minADE to 0.61": what a change verb moves to or by a value is a measure, even a
            # name taken for a method (not one the vocabulary knows, nor the paper's own)
            if m.end <= v.start and not m.concept and not m.proposed \
                    and CHANGE_VERB_BEFORE.search(self.text, max(self.start, m.start - 40), m.start) \
                    and CHANGE_LINK_AFTER.fullmatch(self.gap(m.end, v.start)):
                return Named(m.start, m.end, m.text, guessed=True), False
        for m in reversed(self.methods):
            # "achieves a PSDS1 of 0.31", "a CLIPSIM of 0.3107": what "a X of" gives a value is a
            # measure, even when the name was taken for a method
            if m.end <= v.start and NAMED_MEASURE_BEFORE.search(self.text, self.start, m.start) \
                    and MEASURE_LINK.fullmatch(self.text, m.end, v.start):
                return Named(m.start, m.end, m.text, guessed=True), False
        return self.guessed_metric(v)

    def guessed_metric(self, v: _Value) -> tuple[Named | None, bool]:
        """A metric the vocabulary does not know, from its form and place: "4.8 WER", "a mean
        absolute error of 0.21", "reduces CER by 1.2"."""
        # the words just before the value say which form to look for ("... of", "... by"), so the
        # longer searches run only where they can match
        tail = self.text[max(self.start, v.start - 25) : v.start]
        before = self.text[max(self.start, v.start - 80) : v.start]
        m = (GUESS_ACRONYM_BEFORE.search(before) or GUESS_METRIC_BEFORE.search(before) if LINK_BEFORE.search(tail) else
             GUESS_METRIC_CHANGED.search(before) or GUESS_METRIC_PASSIVE.search(before) or _coordinated_change(before)
             if CHANGE_LINK.search(tail) else
             GUESS_METRIC_FROM.search(before) or GUESS_METRIC_CHANGED_FROM.search(before) if tail.endswith("from ") else None)
        if m:
            offset = v.start - len(before)
            span = self.unnamed(offset + m.start("m"), offset + m.end("m")) or self.measure_taken_for_method(
                offset + m.start("m"), offset + m.end("m"))
            if span:
                return self.guess(*span), False
        return None, False

    def measure_taken_for_method(self, a: int, b: int) -> tuple[int, int] | None:
        """A measure's form in a measure's place ("PSDS1 improves from 0.31 to 0.35", "cuts the
        WER-CS by 2.1") is a measure, even a name the entity rules took for a method (not one the
        vocabulary knows, nor the paper's own)."""
        m = next((m for m in self.methods if m.start == a and m.end == b), None)
        if m is None or m.concept or m.proposed or any(n.start < b and n.end > a for n in self.names if n is not m):
            return None
        return a, b

    def guessed_metric_after(self, v: _Value) -> Named | None:
        """A metric the vocabulary does not know, written right after the value: "4.8 WER"."""
        m = GUESS_METRIC_AFTER.match(self.text, v.end, self.end)
        if m:
            span = self.unnamed(m.start("m"), m.end("m"))
            if span and span[0] == m.start("m"):
                return self.guess(*span)
        return None

    def guess(self, a: int, b: int) -> Named | None:
        text = CUT_WORDS.sub("@", self.text[a:b])  # "hit rate at 10": hit rate@10
        if text.lower() in NOT_METRICS:
            return None
        return _with_cutoff(self.text, Named(a, b, text, guessed=True), self.end)

    def slashed_metrics(self, vals: list[_Value]) -> None:
        """A pair or run of values written with as many metrics joined the same way takes them in
        order: "EM/F1 of 80.1/87.3", "ROUGE-1/2/L of 44.1/21.3/40.8", "80.1/87.3 EM/F1"."""
        groups: dict[int, list[_Value]] = {}
        for v in vals:
            if v.group >= 0:
                groups.setdefault(v.group, []).append(v)
        for members in groups.values():
            v = members[0]
            m = (SLASHED_AFTER.match(self.text, members[-1].end, self.end)
                 or SLASHED_BEFORE.search(self.text, max(self.start, v.start - 60), v.start))
            if not m:
                continue
            parts = m.group("list").split("/")
            stem = parts[0][: parts[0].rfind("-") + 1]  # "ROUGE-1/2/L": the later parts share "ROUGE-"
            names = [p if i == 0 or len(p) > 2 or not stem else stem + p for i, p in enumerate(parts)]
            if len(names) != len(members) or not all(METRIC_LIKE.fullmatch(n) for n in names):
                continue
            after = m.start() >= members[-1].end
            for member, name in zip(members, names):
                member.metric, member.metric_after = Named(m.start("list"), m.end("list"), name, guessed=True), after

    def coordinated_metrics(self, vals: list[_Value]) -> None:
        """A list of values written beside as many metrics coordinated in one phrase takes them in
        order: "precision and recall of 80.1 and 75.2" (not both the recall, the nearer name),
        "the F1 and exact match scores are 88.1 and 80.7", "80.1 and 75.2 in precision and recall"."""
        chains: list[list[Named]] = []
        for m in self.metrics:
            if chains and chains[-1][-1].end <= m.start and METRIC_CHAIN_GAP.fullmatch(self.text, chains[-1][-1].end, m.start):
                chains[-1].append(m)
            else:
                chains.append([m])
        chains = [c for c in chains if len(c) > 1 and len({n.text.lower() for n in c}) == len(c)]
        for members in _lists(vals):
            if len(members) < 2 or any(m.metric for m in members) or _is_range(self.text, members):
                continue
            for chain in chains:
                if len(chain) != len(members):
                    continue
                after = chain[0].start >= members[-1].end and CHAIN_AFTER_GAP.fullmatch(self.text, members[-1].end, chain[0].start)
                before = chain[-1].end <= members[0].start and CHAIN_BEFORE_GAP.fullmatch(self.gap(chain[-1].end, members[0].start))
                if after or before:
                    for m, n in zip(members, chain):
                        m.metric, m.metric_after = n, bool(after)
                    break

    def tie_metrics(self, vals: list[_Value]) -> None:
        self.slashed_metrics(vals)
        self.coordinated_metrics(vals)
        for v in vals:
            if v.metric is None:
                v.metric, v.metric_after = self.own_metric(v)
        for v in vals:
            if v.metric is None:
                # the list's metric: after its last value, else before its first, else any member's,
                # else the one nearest to the list as a whole
                # (of the members written in its unit: "8.9 on D1 and 92.3% win rate on D2" lends
                # no win rate to the 8.9)
                members = [m for m in v.members if m.unit == v.unit]
                v.metric = (next((m.metric for m in reversed(members) if m.metric and m.metric_after), None)
                            or next((m.metric for m in members if m.metric), None))
        for v in vals:
            if v.metric is None and v.relative and v.unit in ("%", "x"):
                # "27% fewer tool calls", "2.1x less compute", "a 12% drop in latency": the quantity that
                # changes is the measure
                fewer = FEWER_AFTER.match(self.text, v.end, self.end) or CHANGE_IN_AFTER.match(self.text, v.end, self.end)
                if fewer and self.unnamed(fewer.start("m"), fewer.end("m")) == (fewer.start("m"), fewer.end("m")):
                    v.metric = Named(fewer.start("m"), fewer.end("m"), fewer.group("m"), guessed=True)
        for v in vals:
            if v.metric is None and v.unit == "x":
                # "decodes 2.4x faster", "a 3x speed-up", "speeds up decoding by 2.6x": the factor
                # measures speed, whatever metric is near
                word = (FASTER_AFTER.match(self.text, v.end, self.end)
                        or SPEEDUP_BEFORE.search(self.text, max(self.start, v.start - 80), v.start))
                if word:
                    v.metric = Named(word.start("w"), word.end("w"), "speedup", guessed=True)
        for v in vals:
            if v.metric is None and v.unit == "%" and not v.relative:
                # "completes 91% of the tasks", "succeeds in 83% of trials": the share of tasks a system
                # completes is its success rate
                share = SHARE_OF_TASKS.match(self.text, v.end, self.end)
                if share and SUCCESS_BEFORE.search(self.text, max(self.start, v.start - 40), v.start):
                    v.metric = Named(share.start("n"), share.end("n"), "success rate", guessed=True, of_tasks=True)
                    v.metric_after = True
        self.parallel_metrics(vals)
        for v in vals:
            if v.metric is None:
                span = _Value(0, None, False, v.members[0].start, v.members[-1].end, -1, "")
                # (not the metric written beside a value in another unit: "8.9 on D1 and 92.3% win rate")
                other = {id(p.metric) for p in vals if p.metric and p.unit != v.unit}
                v.metric = (self.nearest(self.metrics, span, other) or self.metric_frame(v)
                            or self.nearest(self.metrics, span, other, within=10_000, any_clause=True))

    def qualify(self, vals: list[_Value], parts: set[str]) -> None:
        """Values of one metric that the sentence tells apart by a setting or a part name it in their
        metric, as a leaderboard needs one column for each: "Dice scores of 87.3%, 79.6% and 64.8%
        for whole tumor, tumor core and enhancing tumor" (Dice (whole tumor), ...); "84.3% top-1
        accuracy after fine-tuning and 77.2% under linear probing"; a list of changes after them,
        "respectively", in order. A later value "for" a part the paper named is of that part."""
        def part(q: str) -> str:
            # (a setting may be a technique the entity rules found, "fine-tuning"; not a name, "on ViT-B",
            # nor a task, dataset or metric: "0.81 for entity extraction" is said of a task)
            b, e = q_span
            return "" if NOT_PART.search(q) or any(n.start < e and n.end > b and (n.text != n.text.lower() or id(n) not in methods)
                                                   for n in self.names) else q
        methods = {id(n) for n in self.methods}
        by_metric: dict[str, list[_Value]] = {}
        for v in vals:
            if v.metric is not None:
                by_metric.setdefault(v.metric.text.lower(), []).append(v)
        for same in by_metric.values():
            # a list with as many parts listed after it
            for members in _lists(same):
                if len(members) < 2 or any(m not in same for m in members) or _is_range(self.text, members):
                    continue  # (a range's ends are not one part each: "1.7x to 2.4x for training and inference")
                m = PARTS_AFTER.match(self.text, _phrase_end(members[-1]), self.end)
                if m is None:
                    continue
                q_span = (m.start("list"), m.end("list"))
                names = [p.strip() for p in re.split(r",\s(?:and\s|&\s)?(?:the\s)?|\s(?:and|&)\s(?:the\s)?", m.group("list"))]
                if len(names) == len(members) and all(part(n) for n in names):
                    for v, n in zip(members, names):
                        v.qualifier, v.parts_end = n, m.end("list")
            # values each with a setting or part of its own, all different
            found = {}
            for v in same:
                if v.qualifier:
                    continue
                m = QUALIFIER_AFTER.match(self.text, _phrase_end(v), self.end)
                if m:
                    q_span = (m.start("q"), m.end("q"))
                    if part(m.group("q")):
                        found[id(v)] = m.group("q")
            if len(found) >= 2 and len(set(found.values())) == len(found):
                for v in same:
                    v.qualifier = found.get(id(v), v.qualifier)
            elif len(found) == 1 and next(iter(found.values())) in parts:
                for v in same:
                    v.qualifier = found.get(id(v), v.qualifier)  # "5.1 Dice points for tumor core"
            # a list of changes said of the qualified values in order: "..., outperforming X by 0.7 and
            # 9.2 points, respectively"
            qualified = [v for v in same if v.qualifier]
            if len(qualified) >= 2 and "respectively" in self.text[self.start : self.end].lower():
                for members in _lists(same):
                    if len(members) == len(qualified) and all(not m.qualifier and m in same for m in members) \
                            and members[0].start > qualified[-1].end:
                        for m, q in zip(members, qualified):
                            m.qualifier = q.qualifier
            parts.update(v.qualifier for v in same if v.qualifier)
        # a value whose metric is "for" a part named before: "reduces HD95 for enhancing tumor by 2.4"
        for v in vals:
            if v.metric is not None and not v.qualifier and parts:
                m = PART_AFTER.match(self.text, v.metric.end, self.end) if v.metric.end <= v.start else None
                m = m or PART_AFTER.match(self.text, _phrase_end(v), self.end)
                if m and m.group("q") in parts:
                    v.qualifier = m.group("q")

    def metric_frame(self, v: _Value) -> Named | None:
        """The measure the clause of a value opens with, when the clause names no other: "...; under
        VUS-ROC, it outperforms X by 3 to 9 points", "In terms of BLEU, ..."."""
        start = max([self.start, *(m.end() for m in CLAUSE_OPEN.finditer(self.text, self.start, v.start))])
        m = METRIC_FRAME.match(self.text, start, v.start)
        if m is None:
            return None
        known = next((n for n in self.metrics if m.start("m") <= n.start and n.end <= m.end("m")), None)
        if known is not None:
            return known
        return self.guess(m.start("m"), m.end("m")) if self.unnamed(m.start("m"), m.end("m")) == (m.start("m"), m.end("m")) else None

    def parallel_metrics(self, vals: list[_Value]) -> None:
        """Values that follow values with their metrics written, and name none, continue them: the
        same metric ("a WER of 1.6% in clean conditions and 5.8% in noise"), or, for a list as long
        as the run of metrics before it, each in order ("an AUROC of 0.91 and an AUPRC of 0.58,
        compared with 0.88 and 0.52 for X")."""
        run: list[tuple[Named, str | None]] = []  # the metrics (and units) of the latest values that had one
        done: set[int] = set()
        last_end = self.start
        owned = {(v.metric.start, v.metric.end) for v in vals if v.metric}
        for v in vals:
            if id(v) in done:
                continue
            members = [m for m in v.members if id(m) not in done]
            done.update(map(id, members))
            if any(last_end <= n.start and n.end <= members[0].start and (n.start, n.end) not in owned
                   and not CLAUSE_END.search(self.text, n.end, members[0].start) for n in self.metrics):
                run = []  # a metric named in the value's phrase starts another: "and it reduces HD95 by 2.4"
            elif run and self.metric_frame(members[0]) is not None:
                run = []  # and so does one its clause opens with: "...; under VUS-ROC, it ..."
            last_end = members[-1].end
            if all(m.metric is not None for m in members):
                run += [(m.metric, m.unit) for m in members]
                continue
            if any(m.metric is not None for m in members) or not run:
                run = []
                continue
            # a list continues the values written in its unit: "2.6% and 6.1% ... latency of 320 ms,
            # compared with 2.9% and 7.0% for X"
            if len(members) == len(run) and [m.unit for m in members] == [unit for _, unit in run]:
                # "a return of 31.2% and a Sharpe ratio of 1.84, compared with 18.5% and 1.12": in order
                for m, (n, _) in zip(members, run):
                    m.metric = n
                continue
            same_unit = [n for n, unit in run if unit == members[0].unit]
            run_here = same_unit or [n for n, _ in run]
            kinds = list(dict.fromkeys(n.text.lower() for n in run_here))
            if len(kinds) == 1:
                for m in members:
                    m.metric = run_here[-1]
            elif len(members) == len(run_here):
                for m, n in zip(members, run_here):
                    m.metric = n

    # ------------------------------------------------------------------ dataset

    def own_dataset(self, v: _Value) -> Named | None:
        after = _phrase_end(v)
        share = SHARE_OF_NAMED.match(self.text, v.end, self.end)
        if share:
            # "91% of ALFWorld tasks": the benchmark whose tasks they are (a name there is one, even
            # one taken for a method or a task; not the paper's own, nor a system the vocabulary knows)
            d = next((n for n in self.names if n.start == share.start("d") and n.end == share.end("d")), None)
            if d is not None and d in self.datasets:
                return d
            if (d is None and self.unnamed(*share.span("d")) == share.span("d")) or (
                    d is not None and not d.concept and not d.proposed):
                return Named(share.start("d"), share.end("d"), share.group("d"), guessed=True)
        if v.metric is not None:
            # a dataset written as the modifier of the value's metric is what it is measured on: "an
            # ImageNet top-1 accuracy of 84.2%", "improves Cityscapes mIoU by 2.1"
            d = next((d for d in self.datasets if d.end <= v.metric.start
                      and MODIFIER_GAP.fullmatch(self.text, d.end, v.metric.start)), None)
            if d is not None and (v.metric_after or d.end <= v.start):
                return d
        for d in self.datasets:
            if d.start >= v.end and self.trained_on(d):
                continue  # "78.3% when trained on D1 and evaluated on D2": D2
            if d.start >= after and DATASET_AFTER_GAP.match(self.gap(after, d.start)):
                return d
            if d.start >= v.end and DATASET_AFTER_GAP.match(self.gap(v.end, d.start)):
                return d  # "76.8% on Kinetics-600 zero-shot accuracy"
        for d in reversed(self.datasets):
            if d.end <= v.start and DATASET_BEFORE_GAP.match(self.gap(d.end, v.start)):
                return d
            if d.end <= v.start and CHANGE_ON_BEFORE.fullmatch(self.gap(d.end, v.start)) \
                    and PREPOSITION_BEFORE.search(self.text, max(self.start, d.start - 12), d.start):
                return d  # the change is said on the dataset: "outperforms X on D by 2.7%"
        m = (GUESS_DATASET_AFTER.match(self.text, after, self.end) or GUESS_DATASET_SLOT.match(self.text, after, self.end)
             or GUESS_CHANGE_ON.search(self.text, max(self.start, v.start - 60), v.start))
        if m:
            span = self.unnamed(m.start("d"), m.end("d"))
            if span and span == (m.start("d"), m.end("d")):
                return Named(*span, self.text[span[0] : span[1]], guessed=True)
        d = _split_name(GUESS_DATASET_SPLIT.match(self.text, after, self.end))
        if d is not None and self.unnamed(d.start, d.end) == (d.start, d.end):
            return d
        for n in self.methods:
            # what a value is "on" is its dataset, even a name taken for a method: "4.5% on SWaT and ..."
            # (not one the vocabulary knows as a method: "by 1.2% on ResNet-50" names a backbone)
            # (a name cut at a hyphen ends with its word: "CropSet-" of "CropSet-A")
            end = n.end if not n.text.endswith("-") else WORD_REST.match(self.text, n.end).end()
            if n.start >= after and not n.concept and not n.proposed and DATASET_SLOT.fullmatch(self.gap(after, n.start)) \
                    and SLOT_END.match(self.text, end, self.end):
                return Named(n.start, n.end, n.text, guessed=True)
        return None

    def trained_on(self, d: Named) -> bool:
        return _trained_on(self.text, d, self.start)

    def parallel_run(self, vals: list[_Value], members: list[_Value]) -> list[Named]:
        """The datasets of the values right before a list, as many as it has and each another one."""
        earlier = [p for p in vals if p.end <= members[0].start and p.dataset is not None]
        run = earlier[-len(members):]
        if len(run) == len(members) and len({id(p.dataset) for p in run}) == len(run):
            return [p.dataset for p in run]
        return []

    def chain(self, first: Named) -> list[Named]:
        """The datasets listed from `first` on: "CIFAR-10, CIFAR-100 and SVHN", "LibriSpeech/TED-LIUM"
        (a run joined by commas alone is no list: "On ImageNet, TerraNet reaches ...")."""
        out = [first]
        for d in self.datasets:
            if d.start > out[-1].end and CHAINED.match(self.text[out[-1].end : d.start]):
                out.append(d)
                if self.text[out[-2].end : d.start].strip() != ",":
                    return out
        return out[:1]

    def guessed_chain(self, end: int, count: int) -> list[Named]:
        m = GUESS_DATASET_LIST.match(self.text, end, self.end)
        if not m:
            return []
        names = [Named(n.start(), n.end(), n.group(), guessed=True) for n in NAME.finditer(self.text, m.start("list"), m.end("list"))]
        if len(names) != count or any(self.unnamed(n.start, n.end) != (n.start, n.end) for n in names):
            return []
        return names

    def frame(self, at: int) -> list[Named]:
        """The datasets the clause of `at` opens with ("On VQAv2 and GQA, ...", "...: with Mask R-CNN
        on COCO, ...", "Experiments on nuScenes show ..."), up to its first comma."""
        opens = [self.start, *(m.end() for m in CLAUSE_OPEN.finditer(self.text, self.start, at))]
        for start in reversed(opens):  # the nearest clause first ("On A, B, and C, ..." is one frame)
            d = next((d for d in self.datasets if d.start >= start), None)
            if d is not None and d.end <= at:
                gap = self.gap(start, d.start)
                if FRAME_BEFORE.match(gap) or EXPERIMENTS_ON.match(gap):
                    return self.chain(d)
        for start in reversed(opens):  # a name the vocabulary does not know: "On Amazon-Books, ..."
            m = GUESS_FRAME.match(self.text, start, at) or GUESS_OPENING_FRAME.match(self.text, start, at)
            if m and self.unnamed(m.start("d"), m.end("d")) == (m.start("d"), m.end("d")):
                return [Named(m.start("d"), m.end("d"), m.group("d"), guessed=True)]
            d = _split_name(GUESS_SPLIT_FRAME.match(self.text, start, at))  # "On the Reefline test set, ..."
            if d is not None and self.unnamed(d.start, d.end) == (d.start, d.end):
                return [d]
        return []

    def tie_datasets(self, vals: list[_Value]) -> None:
        for v in vals:
            v.dataset = v.phrase_dataset = self.own_dataset(v)
            after = _phrase_end(v)
            v.on_device = v.dataset is None and bool(ON_DEVICE.match(self.text, after, self.end))
        for v in vals:
            # a run written as one ("44.1/21.3/40.8 on D") is on the one dataset written after it
            last = next((m for m in reversed(vals) if v.group >= 0 and m.group == v.group), v)
            if v.dataset is None and last is not v and last.dataset is not None and last.dataset.start > last.end \
                    and len(self.chain(last.dataset)) == 1:  # (a list of datasets zips with the run, below)
                v.dataset = last.dataset
        owned = {id(v.dataset) for v in vals if v.dataset}
        respectively = "respectively" in self.text[self.start : self.end].lower()
        done: set[int] = set()
        for v in vals:
            members = v.members
            if id(members[0]) in done:
                continue
            done.add(id(members[0]))
            bare = [m for m in members if m.dataset is None]
            if not bare:
                continue
            listed: list[Named] = []
            if len(bare) == len(members):
                last = members[-1]
                end = last.metric.end if last.metric and last.metric_after and last.metric.start >= last.end else last.end
                first = next((d for d in self.datasets if d.start >= end
                              and DATASET_AFTER_GAP.match(self.gap(end, d.start))), None)
                listed = self.chain(first) if first else []
                if not listed and respectively:
                    # "... on D1 and D2 ..., respectively reaching a and b": the datasets in order
                    unowned = [d for d in self.datasets if id(d) not in owned]
                    listed = unowned if len(unowned) == len(bare) else self.datasets
                if not listed and len(members) > 1:
                    # the sentence's one list of as many datasets, none of them a value's: "results on
                    # three benchmarks (A, B and C) show accuracies of a, b and c"
                    chains = [self.chain(d) for d in self.datasets if d.end <= members[0].start]
                    chains = [c for c in chains if len(c) == len(members) and not any(id(d) in owned for d in c)]
                    if len(chains) == 1 and not any(d.end > members[0].start for d in self.datasets):
                        listed = chains[0]
                if not listed and respectively and len(members) > 1:
                    # names the vocabulary does not know, listed as long as the values: "0.7%, 6.8%
                    # and 1.3% in accuracy on Weibo, Politifact and Gossipcop, respectively"
                    listed = self.guessed_chain(end, len(members))
            parallel = self.parallel_run(vals, members) if len(bare) == len(members) > 1 else []
            if not listed:
                listed = self.frame(members[0].start)
                if parallel and all(d.end <= parallel[0].start for d in listed):
                    # the values each on a dataset of the frame, written before the list, are more
                    # precise than the frame: "On D, X reaches 79.4 on D1 and 71.2 on D2, compared
                    # with 75.1 and 63.8 for Y" (Y's are on D1 and D2)
                    listed = parallel
            last = members[-1].dataset
            if not listed and len(bare) == len(members) - 1 and last is not None and last.start > members[-1].end:
                # the datasets after the list's last value are the list's: "1.1%, 2.3% and 0.9% on
                # CIFAR-10, CIFAR-100 and SVHN"; "48.0 top-1 accuracy and 80.3 CIDEr on MSRVTT"
                chained = self.chain(last)
                if len(chained) == len(members):
                    bare = members
                listed = chained if len(chained) == len(members) else [last]
            if not listed:
                # a list after values each on another dataset goes with them in order: "45.3% on D1
                # and 41.2% on D2, surpassing the previous best of 42.1% and 38.0%"
                listed = parallel
            if len(listed) == len(bare):
                for m, d in zip(bare, listed):
                    m.dataset = d
            elif len(listed) == 1:
                for m in bare:
                    m.dataset = listed[0]
        # a value near a list of datasets it is not listed with is over them all ("On PIQA, ARC and
        # BoolQ, average accuracy is within 1.5 points"): no one of them is its dataset
        in_lists = {id(d) for first in self.datasets for d in self.chain(first)[1:]}
        in_lists |= {id(first) for first in self.datasets if len(self.chain(first)) > 1}
        # (nor is a dataset the model was trained on: "Trained on ERA5, X reaches an RMSE of 298")
        lone = [d for d in self.datasets if id(d) not in in_lists
                and not _trained_on(self.text, d, self.start)]
        previous = None
        for k, v in enumerate(vals):
            # (the value's own phrase, between the commas around it)
            lo = max(self.start, v.start - 60, self.text.rfind(",", 0, v.start) + 1)
            comma = self.text.find(",", v.end, self.end)
            hi = min(self.end, v.end + 60, comma if comma >= 0 else self.end)
            if v.dataset is None and AGGREGATE.search(self.text, lo, hi):
                previous = v
                continue  # "retains 98.5% of its accuracy on six reasoning tasks": on none of the datasets
            # (not across a clause with a subject of its own: "..., and a larger variant narrows the
            # gap to X to two points" is said of no dataset of the clause before)
            own_subject = previous is not None and NEW_SUBJECT.search(self.text, previous.end, v.start)
            if v.dataset is None and previous is not None and previous.dataset and _same_metric(v, previous) and not own_subject:
                # "achieves 97.1% on D, surpassing the previous best by +3.4%": the change is on D too
                v.dataset = previous.dataset
            if v.dataset is None and v.metric is not None and not own_subject:
                # "47.8 mAP on D1 and 97.1% accuracy on D2, outperforming X by 1.3 mAP": the change
                # is on the dataset of the last value of its metric in its clause
                v.dataset = next((p.dataset for p in reversed(vals[:k]) if p.dataset and p.metric
                                  and p.metric.text == v.metric.text and self.clause(p.start) == self.clause(v.start)), None)
            if v.dataset is None:
                # (a name after the value and a comma opens the next phrase: "an MRR of 41.2, and on
                # D it achieves ...")
                v.dataset = self.nearest([d for d in lone if d.end <= v.start or not CLAUSE_END.search(self.text, v.end, d.start)],
                                         v, owned)
            if v.dataset is None and len({d.text for d in lone}) == 1 and len(lone) == len(self.datasets) \
                    and lone[0].end <= v.start and not own_subject:
                # the sentence's one dataset, written before the value, already a value's: "25.8 BLEU on
                # D (vs. 24.3 for Y) and a ROUGE score of 52.1" is on D too, and so is a value past a
                # "while" or an "and it": "X reaches 28.9 BLEU on D while ..., and it decodes 2.4x
                # faster" (not one before the name: a name after a value and a comma opens the next
                # phrase; nor one of a clause with a subject of its own)
                v.dataset = lone[0]
            previous = v

    # ------------------------------------------------------------------ method

    def tie_methods(self, vals: list[_Value]) -> None:
        measures = {(v.metric.start, v.metric.end) for v in vals if v.metric}
        self.methods = [m for m in self.methods if (m.start, m.end) not in measures]
        for v in vals:
            after = _phrase_end(v)
            for m in self.methods:
                gap = self.gap(after, m.start)
                if m.start >= after and METHOD_AFTER_GAP.match(gap) and not self.modifies_metric(m) \
                        and (not gap.rstrip().endswith("(") or self.text[m.end : m.end + 1] == ")"):
                    v.method = m
                    break
        for v in vals:
            # a value in parentheses right after a name is that system's: "close to GPT-4 (8.99)"
            if v.method is None and self.text[max(self.start, v.start - 2) : v.start].strip() == "(":
                v.method = next((m for m in self.methods if not self.text[m.end : v.start - 1].strip()
                                 and self.text[m.end : v.start].strip() == "("), None)
        for v in vals:
            # a list's method named after its last value is the whole list's: "0.88 and 0.52 for X"
            v.method = v.method or v.members[-1].method or self.subject(v) or self.own_variant(v)
        for v in vals:
            self.level_before(v)

    def own_variant(self, v: _Value) -> Named | None:
        """Where no subject is found, the variant of the paper's own model the sentence speaks of: the
        last named before the value ("TerraNet-B achieves 82.7%, matching X while requiring 2.1x less
        compute", "With TerraNet-L, accuracy rises to 86.1%"), not one it is compared with ("Compared
        with TerraNet-S, our model ..."); else the one the sentence before named ("TerraNet-Base is
        pretrained on ... After fine-tuning, it achieves 79.4 ANLS"). The values were the family's."""
        variants = [m for m in self.methods if m.proposed and self.text[m.start : m.end] == m.text
                    and m.text in self.variant_names
                    and not COMPARED_VARIANT.search(self.text, max(self.start, m.start - 30), m.start)]
        before = [m for m in variants if m.end <= v.start]
        if before:
            return before[-1]
        return Named(v.start, v.start, self.earlier_variant, proposed=True) if self.earlier_variant else None

    def level_before(self, v: _Value) -> None:
        """"from A to B": A is the level before the change, the system's the sentence says it is of ("improves
        the accuracy of X from A to B"; and B too when the measure of X is what changes: "the NDS of X falls
        from A to B") or the one the change is measured against ("improves PSNR from A to B relative to
        X", "Compared with X, ... from A to B"); B stays the subject's."""
        i = v.members.index(v)
        if i + 1 >= len(v.members) or not FROM_LEVEL_BEFORE.search(self.text, self.start, v.start) \
                or not LEVEL_TO.fullmatch(self.text, v.end, v.members[i + 1].start):
            return
        after = v.members[i + 1]
        for m in reversed(self.methods):
            of = OF_SYSTEM_GAP.match(self.gap(m.end, v.start)) if m.end <= v.start else None
            if of and OF_SYSTEM.search(self.text, max(self.start, m.start - 8), m.start):
                v.method = m
                if of.group("verb"):
                    after.method = m
                return
        clause = self.clause(v.start)
        compared = [m for m in self.methods if self.clause(m.start) == clause
                    and COMPARED_SYSTEM.search(self.text, max(self.start, m.start - 20), m.start)]
        if len(compared) == 1:
            v.method = compared[0]

    def modifies_metric(self, m: Named) -> bool:
        """A name written right before a metric is part of it ("Rank-1 accuracy"), not a method."""
        return any(x.start >= m.end and not self.text[m.end : x.start].strip(" -") for x in self.metrics)

    def system_name(self, m: Named) -> bool:
        """A name written as a system's ("YOLOv8-L", "nnU-Net", "BM25"), not a technique's ("Fine-tuning",
        "multimodal LLMs") nor a modifier of one ("RLHF-tuned models", "MAE pre-training")."""
        return bool(SYSTEM_NAME.fullmatch(m.text)) and not self.text.startswith("-", m.end) \
            and not any(n.start > m.end and not self.text[m.end : n.start].strip() for n in self.methods)

    def subject(self, v: _Value) -> Named | None:
        """The method the sentence says achieves the value: the last named method before it that is
        not compared with or used ("outperforms X", "based on Y"), or the paper's own for "our
        model"/"we"; None leaves the paper's proposed method."""
        clause_start = max([self.start, *[b for b in self.breaks if b <= v.start]])
        found = []
        for m in reversed(self.methods):
            if m.end > v.start or m.start < clause_start:
                continue
            if NOT_SUBJECT_BEFORE.search(self.text[max(clause_start, m.start - 80) : m.start]) or self.modifies_metric(m) \
                    or PREPOSITION_BEFORE.search(self.text, max(clause_start, m.start - 12), m.start):
                continue
            # (a system the vocabulary knows is a part or tool of the paper's own model, except in a paper
            # with none: "Among the baselines, YOLOv8-L achieves the highest mAP of 0.862")
            if m.proposed or (not m.concept and any(c.isupper() or c.isdigit() for c in m.text)) \
                    or (not self.own and self.system_name(m)):
                found.append(m)
        # the paper's own method, when the clause names it, is the subject and the others its objects:
        # "Pruning half of LLaMA-7B, Prune keeps 61.2%"; "X quantizes Y with a perplexity of 5.6"
        return next((m for m in found if m.proposed), found[0] if found else None)


def _written_name(text: str, name: Named | None, value_starts: set[int]) -> str | None:
    """A dataset's name as the text writes it, with the version or language pair that follows the
    mention ("TED-LIUM 3", "WMT'14 En-De", "Speech Commands V2"), which is part of what it names."""
    if name is None:
        return None
    glued = GLUED_SUFFIX.match(text, name.end - 1 if name.text.endswith("-") else name.end)
    if glued:
        # a name does not end inside a hyphenated word: "TCGA-BRCA" is one name, whatever part the
        # vocabulary knew
        name = Named(name.start, glued.end(), text[name.start : glued.end()], guessed=True)
    m = NAME_SUFFIX.match(text, name.end)
    if not m or m.start("suffix") + 1 in value_starts or SIZE_AFTER.match(text[m.end() : m.end() + 40]):
        return name.text  # ("on LibriSpeech 960 hours": a size; "COCO 45.1 AP": a value)
    return text[name.start : m.end("suffix")]


def _written_metric(text: str, metric: Named, sent_start: int = 0) -> str:
    """A metric's name as the text writes it, with the compound modifier written before the mention
    ("field-level F1", "point-adjusted F1") or the ranking cut-off ("Rank-5 accuracy"), which names a
    variant of the measure."""
    verb = LEADING_VERB.match(metric.text)
    if verb and text[metric.start : metric.end] == metric.text:
        # a mention that swallowed the verb before it: "reduces hallucination rate" is the hallucination rate
        metric = Named(metric.start + verb.end(), metric.end, metric.text[verb.end() :], metric.proposed, metric.concept, metric.guessed)
    m = METRIC_MODIFIER.search(text, max(0, metric.start - 30), metric.start) or CUTOFF_MODIFIER.search(
        text, max(0, metric.start - 20), metric.start)
    if m and not metric.guessed and m.group("mod").lower() not in load_cues().metric_phrase_openers:
        return text[m.start("mod") : metric.end]
    glued = GLUED_PREFIX.search(text, max(0, metric.start - 12), metric.start)
    # a prefix joined to the mention by a hyphen names a variant: "P-MPJPE", "PA-MPJPE", "macro-F1"
    if glued:
        return text[glued.start("pre") : metric.end]
    if text[metric.start : metric.end] != metric.text:
        return metric.text  # a measure named for what the words say ("faster": speedup)
    begin = _compound_start(text, metric.start, sent_start)
    return text[begin : metric.end] if begin < metric.start else metric.text


def _compound_start(text: str, start: int, sent_start: int) -> int:
    """Where the noun compound ending in a metric mention begins: the plain words written before it
    that name what is measured ("vehicle segmentation IoU", "algorithmic latency", "prefill
    speedup"), between a word that opens the phrase (a determiner, a preposition, a verb, a
    number, punctuation) and the mention. Qualities of the value ("average", "higher") and
    hyphenated qualities ("end-to-end") are not taken; a hyphenated variant is (METRIC_MODIFIER)."""
    begin = start
    for _ in range(3):
        w = COMPOUND_WORD.search(text, max(sent_start, begin - 30), begin)
        if not w or not _noun_modifier(w.group("w")):
            break
        begin = w.start("w")
    if begin == start:
        return start
    before = COMPOUND_WORD.search(text, max(sent_start, begin - 30), begin)
    opener = before is None or before.group("w").lower() in load_cues().metric_phrase_openers or VERB_LIKE.match(before.group("w").lower())
    hyphenated = HYPHENATED_BEFORE.search(text, max(sent_start, begin - 40), begin) if before is None else None
    if hyphenated:
        # a hyphenated compound right before: a variant of the measure is part of its name ("zero-shot
        # classification accuracy"); a quality of the value or the process opens the phrase ("a 2.7x
        # end-to-end prefill speedup": prefill speedup)
        variant = METRIC_MODIFIER.search(text, hyphenated.start("h"), begin)
        if variant and variant.start("mod") == hyphenated.start("h") \
                and variant.group("mod").lower() not in load_cues().metric_phrase_openers:
            return hyphenated.start("h")
        return begin
    if before is None and text[sent_start:begin].strip() and text[sent_start:begin].rstrip()[-1:].isalpha():
        opener = False  # a capitalised word right before: part of a name, not an opener
    return begin if opener else start


def _noun_modifier(word: str) -> bool:
    low = word.lower()
    return (low == word and low not in load_cues().metric_phrase_openers and not low.endswith("ly") and not VERB_LIKE.match(low)
            and not (low.endswith("s") and not low.endswith(("ss", "us", "is"))))


# the plural of a measure's head noun, at the end of its name: "word error rates", "wall-clock speedups",
# "labeled attachment scores" (not a count named as the measure: "fewer tool calls")
PLURAL_HEAD = re.compile(
    r"(?<![\w-])(?:(?P<y>accurac|similarit)ies|(?P<s>score|rate|error|coefficient|distance|return|reward|"
    r"correlation|ratio|speed-?up|measure|match)e?s)$")


def _with_cutoff(text: str, m: Named, end: int) -> Named:
    """A ranking or detection measure with the cut-off written after it, as one name: "recall at
    10" -> "recall@10" (the span then covers the cut-off, so its number is no value)."""
    if not CUTOFF_HEAD.search(m.text) or "@" in m.text or CUTOFF_MODIFIER.search(m.text + " "):
        return m
    cut = CUTOFF_AFTER.match(text, m.end, end)
    if cut is None:
        return m
    return Named(m.start, cut.end(), f"{m.text}@{cut.group('k')}", m.proposed, m.concept, m.guessed)


def _split_name(m: re.Match | None) -> Named | None:
    """The dataset named with a split (GUESS_DATASET_SPLIT), without the split."""
    if m is None:
        return None
    key = "d" if m.group("d") else "d2"
    return Named(m.start(key), m.end(key), m.group(key), guessed=True)


def _is_range(text: str, members: list[_Value]) -> bool:
    """Values written as a range ("1.7x to 2.4x", "3-9%"), not a list or an "A/B" pair."""
    return any(text[a.end : b.start].strip() in ("to", "-", "–", "~") for a, b in zip(members, members[1:]))


# a measure's name with its generic head written after it: "Dice coefficient", "BLEU scores", "F1 score"
GENERIC_HEAD = re.compile(r"(?P<x>\S.*?)\s+(?:scores?|coefficients?|metrics?|values?)$")


def _short_measure(metric: str) -> str:
    """A measure named by itself, as the guidelines name it (Dice, BLEU, F1), when the words before
    its generic head ("Dice coefficient", "BLEU score") are a label of the same concept of the
    metric vocabulary, and no method's ("CLIP score" stays: CLIP is a model)."""
    m = GENERIC_HEAD.fullmatch(metric)
    if m is None:
        return metric
    metrics, methods = _vocabulary_keys()
    short = entity_key(m.group("x"))
    # (the whole name, if the vocabulary knows it, must be the same measure: "Brier score" is not "Brier")
    if short not in metrics or metrics.get(entity_key(metric), metrics[short]) != metrics[short] or short in methods:
        return metric
    return m.group("x")


@lru_cache(maxsize=1)
def _vocabulary_keys() -> tuple[dict[str, str], frozenset[str]]:
    from kg.extract.vocabulary import load_vocabulary

    vocabulary = load_vocabulary()
    return vocabulary.by_key("metric"), frozenset(vocabulary.by_key("method"))


def _singular(metric: str) -> str:
    m = PLURAL_HEAD.search(metric)
    if m is None:
        return metric
    return metric[: m.start("y")] + m.group("y") + "y" if m.group("y") else metric[: m.end("s")]


def _phrase_end(v: _Value) -> int:
    """Where a value's phrase ends: after its metric when the metric is written after it ("82.1 mIoU")."""
    if v.parts_end >= 0:
        return v.parts_end  # "... for whole tumor and tumor core on D": the dataset comes after the parts
    return v.metric.end if v.metric and v.metric_after and v.metric.start >= v.end else v.end


def _trained_on(text: str, d: Named, lo: int) -> bool:
    """A dataset the sentence trains on ("trained on D", "adding D training data"), not one a value is on."""
    return bool(TRAINING_BEFORE.search(text, max(lo, d.start - 50), d.start) or TRAINING_AFTER.match(text, d.end))


def _coordinated_change(before: str) -> re.Match | None:
    """The second object of a change verb, coordinated with the first: "reduces latency by 42% and
    memory usage by 3.1x" (the verb is written once, before the first)."""
    m = GUESS_METRIC_COORDINATED.search(before)
    return m if m and CHANGE_VERB.search(before, 0, m.start()) else None


def _lists(vals: list[_Value]) -> list[list[_Value]]:
    """The lists of a sentence's values (Sentence.lists), each once, in order."""
    out, seen = [], set()
    for v in vals:
        if id(v.members[0]) not in seen:
            seen.add(id(v.members[0]))
            out.append(v.members)
    return out


def _earlier_list(text: str, datasets: list[Named], before: int, count: int) -> list[Named]:
    """The last list of `count` datasets written before `before` ("on D1, D2 and D3")."""
    best: list[Named] = []
    run: list[Named] = []
    for d in datasets:
        if d.end > before:
            break
        if run and CHAINED.match(text[run[-1].end : d.start]) and d.text not in {r.text for r in run}:
            run.append(d)
        else:
            run = [d]
        if len(run) == count:
            best = list(run)
    return best


def _same_metric(v: _Value, other: _Value) -> bool:
    return v.metric is None or other.metric is None or v.metric.text == other.metric.text

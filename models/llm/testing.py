"""Test kit for language models: a scripted fake backend and a tiny random-weight chat model.

``ScriptedLLM`` streams known text with known timing (for pipeline and server tests);
``build_tiny_chat_model`` writes a 2-layer Llama with a byte-level BPE tokenizer and a
ChatML template to a directory, loadable by ``get_llm("transformers", model=dir)``.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable, Sequence
from pathlib import Path

from .base import LLMError, LLMMessage, validate_messages
from .stops import StopScanner

CHATML_TEMPLATE = (
    "{% for message in messages %}{{'<|im_start|>' + message['role'] + '\n' + message['content']"
    " + '<|im_end|>' + '\n'}}{% endfor %}{% if add_generation_prompt %}"
    "{{ '<|im_start|>assistant\n' }}{% endif %}"
)


class ScriptedLLM:
    """Streams ``reply(messages)`` word by word, ``delay`` seconds apart.

    ``reply`` may be a string or a function of the messages (e.g. an echo); ``fail``
    raises :class:`LLMError` after ``fail_after`` pieces; ``first_delay`` delays the first.
    """

    name = "scripted"
    supports_prefill = True  # a trailing assistant message is continued (see Brain openers)

    def __init__(
        self,
        reply: str | Callable[[Sequence[LLMMessage]], str] = "Hello there! Nice to meet you.",
        delay: float = 0.0,
        first_delay: float = 0.0,
        fail: bool = False,
        fail_after: int = 0,
    ) -> None:
        self.reply = reply
        self.delay = delay
        self.first_delay = first_delay
        self.fail = fail
        self.fail_after = fail_after
        self.calls: list[list[LLMMessage]] = []

    async def stream(
        self,
        messages: Sequence[LLMMessage],
        max_tokens: int = 96,
        temperature: float = 0.7,
        stop: Sequence[str] | None = None,
    ) -> AsyncIterator[str]:
        msgs = validate_messages(messages)
        self.calls.append(msgs)
        text = self.reply(msgs) if callable(self.reply) else self.reply
        words = text.split(" ")
        scanner = StopScanner(stop)
        if self.first_delay:
            await asyncio.sleep(self.first_delay)
        for i, word in enumerate(words[:max_tokens]):
            if self.fail and i >= self.fail_after:
                raise LLMError("scripted failure")
            if self.delay:
                await asyncio.sleep(self.delay)
            out = scanner.feed(word + (" " if i < len(words) - 1 else ""))
            if out:
                yield out
            if scanner.stopped:
                return
        if self.fail:
            raise LLMError("scripted failure")
        rest = scanner.flush()
        if rest:
            yield rest


def build_tiny_chat_model(path: str | Path, seed: int = 0, vocab_size: int = 400) -> Path:
    """Write a random-weight 2-layer Llama chat model (+ tokenizer) to ``path``."""
    import torch
    from tokenizers import Tokenizer, decoders, models, pre_tokenizers, trainers
    from transformers import LlamaConfig, LlamaForCausalLM, PreTrainedTokenizerFast

    path = Path(path)
    path.mkdir(parents=True, exist_ok=True)
    specials = ["<|endoftext|>", "<|im_start|>", "<|im_end|>"]
    tok = Tokenizer(models.BPE())
    tok.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    tok.decoder = decoders.ByteLevel()
    corpus = [
        "Hello there! Welcome to the stream. The games start on 12 February 2026.",
        "I love skiing, skating and curling. Thank you so much for watching!",
        "system user assistant You are a cheerful host. Reply in short sentences.",
    ] * 20
    trainer = trainers.BpeTrainer(
        vocab_size=vocab_size, special_tokens=specials,
        initial_alphabet=pre_tokenizers.ByteLevel.alphabet(),
    )
    tok.train_from_iterator(corpus, trainer)
    fast = PreTrainedTokenizerFast(
        tokenizer_object=tok, bos_token="<|im_start|>", eos_token="<|im_end|>",
        pad_token="<|endoftext|>", unk_token="<|endoftext|>",
    )
    fast.chat_template = CHATML_TEMPLATE
    fast.save_pretrained(path)
    config = LlamaConfig(
        vocab_size=tok.get_vocab_size(), hidden_size=32, intermediate_size=64,
        num_hidden_layers=2, num_attention_heads=4, num_key_value_heads=2,
        max_position_embeddings=1024, bos_token_id=fast.bos_token_id,
        eos_token_id=fast.eos_token_id, pad_token_id=fast.pad_token_id,
    )
    torch.manual_seed(seed)
    model = LlamaForCausalLM(config)
    with torch.no_grad():  # never stop at once: push the end-of-turn token down
        model.lm_head.weight[fast.eos_token_id].mul_(0.0)
    model.save_pretrained(path)
    return path

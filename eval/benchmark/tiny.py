"""Tiny randomly initialised pipelines of the three benchmark model kinds, built in code (configs after
diffusers' own fast tests). For tests and ``--weights tiny-random`` plumbing runs: their output is noise."""

from __future__ import annotations

import json
import tempfile
from pathlib import Path

import torch


def tiny_svd_pipeline(seed: int = 0):
    """StableVideoDiffusionPipeline: UNet (32, 64), temporal VAE (32, 64), CLIP vision 32-d (7×7 patches of the
    224² image the pipeline feeds CLIP); 32×32 frames."""
    from diffusers import (
        AutoencoderKLTemporalDecoder,
        EulerDiscreteScheduler,
        StableVideoDiffusionPipeline,
        UNetSpatioTemporalConditionModel,  # fmt: skip
    )
    from transformers import CLIPImageProcessor, CLIPVisionConfig, CLIPVisionModelWithProjection

    torch.manual_seed(seed)
    unet = UNetSpatioTemporalConditionModel(
        block_out_channels=(32, 64), layers_per_block=2, sample_size=32, in_channels=8, out_channels=4,
        down_block_types=("CrossAttnDownBlockSpatioTemporal", "DownBlockSpatioTemporal"),
        up_block_types=("UpBlockSpatioTemporal", "CrossAttnUpBlockSpatioTemporal"), cross_attention_dim=32,
        num_attention_heads=8, projection_class_embeddings_input_dim=96, addition_time_embed_dim=32,
    )  # fmt: skip
    scheduler = EulerDiscreteScheduler(
        beta_start=0.00085, beta_end=0.012, beta_schedule="scaled_linear", interpolation_type="linear",
        num_train_timesteps=1000, prediction_type="v_prediction", sigma_max=700.0, sigma_min=0.002, steps_offset=1,
        timestep_spacing="leading", timestep_type="continuous", trained_betas=None, use_karras_sigmas=True,
    )  # fmt: skip
    torch.manual_seed(seed)
    vae = AutoencoderKLTemporalDecoder(block_out_channels=[32, 64], in_channels=3, out_channels=3,
                                       down_block_types=["DownEncoderBlock2D", "DownEncoderBlock2D"], latent_channels=4)  # fmt: skip
    torch.manual_seed(seed)
    image_encoder = CLIPVisionModelWithProjection(CLIPVisionConfig(
        hidden_size=32, projection_dim=32, num_hidden_layers=5, num_attention_heads=4, image_size=224,
        intermediate_size=37, patch_size=32))  # fmt: skip  (224/32: the pipeline resizes PIL inputs to 224 for CLIP)
    fe = CLIPImageProcessor(crop_size=32, size=32)
    pipe = StableVideoDiffusionPipeline(unet=unet, image_encoder=image_encoder, scheduler=scheduler, vae=vae,
                                        feature_extractor=fe)  # fmt: skip
    pipe.set_progress_bar_config(disable=True)
    return pipe


def _word_tokenizers(folder: Path):
    """A Llama fast tokenizer and a CLIP tokenizer over a tiny word vocabulary (ids < 100), written to disk."""
    from tokenizers import Tokenizer, models, pre_tokenizers
    from transformers import CLIPTokenizer, PreTrainedTokenizerFast

    words = ["<unk>", "<s>", "</s>", "<pad>", "<|end_header_id|>"] + [chr(c) for c in range(ord("a"), ord("z") + 1)]
    words += ["the", "a", "person", "dances", "dog", "runs", "camera", "pans", "left", "right", "static", "." ]
    vocab = {w: i for i, w in enumerate(words)}
    tok = Tokenizer(models.WordLevel(vocab, unk_token="<unk>"))
    tok.pre_tokenizer = pre_tokenizers.Whitespace()
    llama = PreTrainedTokenizerFast(tokenizer_object=tok, bos_token="<s>", eos_token="</s>", unk_token="<unk>",
                                    pad_token="<pad>")  # fmt: skip
    llama.padding_side = "right"
    bpe_vocab = {"<|startoftext|>": 0, "<|endoftext|>": 2, "!": 1}
    for w in words[5:]:
        bpe_vocab.setdefault(w + "</w>", len(bpe_vocab))
        for ch in w:
            bpe_vocab.setdefault(ch, len(bpe_vocab))
            bpe_vocab.setdefault(ch + "</w>", len(bpe_vocab))
    (folder / "vocab.json").write_text(json.dumps(bpe_vocab))
    (folder / "merges.txt").write_text("#version: 0.2\n")
    clip = CLIPTokenizer(str(folder / "vocab.json"), str(folder / "merges.txt"))
    return llama, clip


def tiny_hunyuan_i2v_pipeline(seed: int = 0):
    """HunyuanVideoImageToVideoPipeline with diffusers' fast-test configs (Llava text encoder with a CLIP
    vision tower, CLIP text encoder 2, transformer with latent-concat image conditioning); 16×16 frames.
    Use with :data:`TINY_HUNYUAN_PROMPT_TEMPLATE`."""
    from diffusers import (
        AutoencoderKLHunyuanVideo,
        FlowMatchEulerDiscreteScheduler,
        HunyuanVideoImageToVideoPipeline,  # fmt: skip
        HunyuanVideoTransformer3DModel,
    )
    from transformers import (
        CLIPImageProcessor,
        CLIPTextConfig,
        CLIPTextModel,
        CLIPVisionConfig,
        LlamaConfig,
        LlavaConfig,  # fmt: skip
        LlavaForConditionalGeneration,
    )

    torch.manual_seed(seed)
    transformer = HunyuanVideoTransformer3DModel(
        in_channels=2 * 4 + 1, out_channels=4, num_attention_heads=2, attention_head_dim=10, num_layers=1,
        num_single_layers=1, num_refiner_layers=1, patch_size=1, patch_size_t=1, guidance_embeds=False,
        text_embed_dim=16, pooled_projection_dim=8, rope_axes_dim=(2, 4, 4), image_condition_type="latent_concat",
    )  # fmt: skip
    torch.manual_seed(seed)
    vae = AutoencoderKLHunyuanVideo(
        in_channels=3, out_channels=3, latent_channels=4, down_block_types=("HunyuanVideoDownBlock3D",) * 4,
        up_block_types=("HunyuanVideoUpBlock3D",) * 4, block_out_channels=(8, 8, 8, 8), layers_per_block=1,
        act_fn="silu", norm_num_groups=4, scaling_factor=0.476986, spatial_compression_ratio=8,
        temporal_compression_ratio=4, mid_block_add_attention=True,
    )  # fmt: skip
    scheduler = FlowMatchEulerDiscreteScheduler(shift=7.0)
    text_config = LlamaConfig(bos_token_id=0, eos_token_id=2, hidden_size=16, intermediate_size=37, layer_norm_eps=1e-05,
                              num_attention_heads=4, num_hidden_layers=2, pad_token_id=100, vocab_size=1000,
                              hidden_act="gelu", projection_dim=32)  # fmt: skip
    vision_config = CLIPVisionConfig(hidden_size=8, intermediate_size=37, projection_dim=32, num_attention_heads=4,
                                     num_hidden_layers=2, image_size=224)  # fmt: skip
    llava_config = LlavaConfig(vision_config=vision_config, text_config=text_config, pad_token_id=100,
                               image_token_index=101)  # fmt: skip
    clip_config = CLIPTextConfig(bos_token_id=0, eos_token_id=2, hidden_size=8, intermediate_size=37,
                                 layer_norm_eps=1e-05, num_attention_heads=4, num_hidden_layers=2, pad_token_id=1,
                                 vocab_size=1000, hidden_act="gelu", projection_dim=32)  # fmt: skip
    torch.manual_seed(seed)
    text_encoder = LlavaForConditionalGeneration(llava_config)
    torch.manual_seed(seed)
    text_encoder_2 = CLIPTextModel(clip_config)
    with tempfile.TemporaryDirectory() as tmp:
        tokenizer, tokenizer_2 = _word_tokenizers(Path(tmp))
    image_processor = CLIPImageProcessor(crop_size=224, do_center_crop=True, do_normalize=True, do_resize=True,
                                         image_mean=[0.48145466, 0.4578275, 0.40821073],
                                         image_std=[0.26862954, 0.26130258, 0.27577711], resample=3, size=224)  # fmt: skip
    pipe = HunyuanVideoImageToVideoPipeline(
        text_encoder=text_encoder, tokenizer=tokenizer, transformer=transformer, vae=vae, scheduler=scheduler,
        text_encoder_2=text_encoder_2, tokenizer_2=tokenizer_2, image_processor=image_processor,
    )  # fmt: skip
    pipe.set_progress_bar_config(disable=True)
    return pipe


# the fast tests' template: no system prompt, 49 image tokens (7×7 patches of the tiny CLIP vision tower)
TINY_HUNYUAN_PROMPT_TEMPLATE = {"template": "{}", "crop_start": 0, "image_emb_len": 49, "image_emb_start": 5,
                                "image_emb_end": 54}  # fmt: skip

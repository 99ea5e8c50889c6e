using System.Text.Json.Nodes;
using Spindle.Models;
using Spindle.Models.HuggingFace;

namespace Spindle.Tests.Models.HuggingFace;

/// <summary>
/// Checkpoint folders Spindle cannot run give a typed error that says why (ModelFormatException for the model,
/// SafetensorsFormatException for a broken file), never a crash or a half-loaded model.
/// </summary>
public sealed class HfCheckpointErrorTests
{
    private static ModelFormatException RejectModel(TempCheckpoint checkpoint, params string[] words)
    {
        var e = Assert.Throws<ModelFormatException>(() => Model.Load(checkpoint.Path).Dispose());
        foreach (string w in words) Assert.Contains(w, e.Message);
        return e;
    }

    [Fact]
    public void Another_architecture_is_refused_by_name()
    {
        using var c = TempCheckpoint.Copy();
        c.EditConfig(j =>
        {
            j["model_type"] = "qwen2";
            j["architectures"] = new JsonArray("Qwen2ForCausalLM");
        });
        RejectModel(c, "'qwen2'", "Qwen2ForCausalLM", "llama");
    }

    [Theory]
    [InlineData("hidden_size", "\"128\"", "hidden_size must be a positive integer")]
    [InlineData("num_attention_heads", "0", "num_attention_heads must be a positive integer")]
    [InlineData("num_key_value_heads", "3", "not a multiple of num_key_value_heads 3")]
    [InlineData("hidden_act", "\"gelu\"", "hidden_act 'gelu'")]
    [InlineData("rope_scaling", "{\"rope_type\": \"llama3\", \"factor\": 8.0}", "rope_scaling type 'llama3'")]
    [InlineData("rms_norm_eps", "-1", "rms_norm_eps must be a positive number")]
    [InlineData("tie_word_embeddings", "\"yes\"", "tie_word_embeddings must be true or false")]
    public void Bad_config_values_are_named(string key, string json, string expected)
    {
        using var c = TempCheckpoint.Copy();
        c.EditConfig(j => j[key] = JsonNode.Parse(json));
        RejectModel(c, expected);
    }

    [Fact]
    public void Missing_or_unreadable_config_is_reported()
    {
        using var c = TempCheckpoint.Copy();
        File.WriteAllText(c.File("config.json"), "{ not json");
        RejectModel(c, "config.json is not valid JSON");
        File.Delete(c.File("config.json"));
        RejectModel(c, "config.json is missing");
    }

    [Fact]
    public void Missing_hyper_parameter_is_named()
    {
        using var c = TempCheckpoint.Copy();
        c.EditConfig(j => j.Remove("intermediate_size"));
        RejectModel(c, "intermediate_size is missing");
    }

    [Fact]
    public void Missing_tensor_is_named_by_its_checkpoint_name()
    {
        using var c = TempCheckpoint.Copy();
        c.EditTensors(t => t.Where(e => e.Name != "model.layers.1.mlp.up_proj.weight"));
        RejectModel(c, "'model.layers.1.mlp.up_proj.weight' is missing", "blk.1.ffn_up.weight");
    }

    [Fact]
    public void Missing_head_without_tied_embeddings_is_reported()
    {
        using var c = TempCheckpoint.Copy();
        c.EditConfig(j => j["tie_word_embeddings"] = false);
        // The checkpoint stores the tied matrix only as lm_head: untied, the embedding is missing.
        RejectModel(c, "model.embed_tokens.weight' is missing", "tie_word_embeddings is false");
    }

    [Fact]
    public void Tensor_of_another_architecture_is_refused()
    {
        using var c = TempCheckpoint.Copy();
        c.EditTensors(t => t.Append(new SafetensorsBytes.Entry("model.layers.0.self_attn.o_proj.bias", "F32", [128], new byte[512])));
        RejectModel(c, "model.layers.0.self_attn.o_proj.bias", "no counterpart");
        c.EditTensors(t => t.Where(e => e.Name != "model.layers.0.self_attn.o_proj.bias")
            .Append(new SafetensorsBytes.Entry("model.layers.7.input_layernorm.weight", "F32", [128], new byte[512])));
        RejectModel(c, "model.layers.7.input_layernorm.weight");
    }

    [Fact]
    public void Unsupported_dtype_is_refused()
    {
        using var c = TempCheckpoint.Copy();
        c.EditTensors(t => t.Select(e => e.Name == "model.norm.weight" ? e with { DType = "I32" } : e));
        RejectModel(c, "model.norm.weight", "dtype I32");
    }

    [Fact]
    public void Misshapen_tensors_are_refused()
    {
        using var c = TempCheckpoint.Copy();
        // 64 query rows cannot be 8 heads of 16.
        c.EditTensors(t => t.Select(e => e.Name == "model.layers.0.self_attn.q_proj.weight" ? e with { Shape = [64, 128], Data = e.Data[..(64 * 128 * 4)] } : e));
        RejectModel(c, "q_proj.weight", "not 8 heads × 16");

        using var d = TempCheckpoint.Copy();
        d.EditTensors(t => t.Select(e => e.Name == "model.layers.0.mlp.up_proj.weight" ? e with { Shape = [128, 384] } : e));
        RejectModel(d, "blk.0.ffn_up.weight", "[384, 128]");
    }

    [Fact]
    public void Vocabulary_size_that_disagrees_with_the_embedding_is_refused()
    {
        using var c = TempCheckpoint.Copy();
        c.EditConfig(j => j["vocab_size"] = 4096);
        RejectModel(c, "vocab_size 4096", "2048 rows");
    }

    [Fact]
    public void Tokenizer_with_more_ids_than_the_model_is_refused()
    {
        using var c = TempCheckpoint.Copy();
        var tokenizer = JsonNode.Parse(File.ReadAllText(c.File("tokenizer.json")))!;
        tokenizer["model"]!["vocab"]!["zzz-extra"] = 5000;
        File.WriteAllText(c.File("tokenizer.json"), tokenizer.ToJsonString());
        RejectModel(c, "tokenizer.json", "5001 token ids", "2048");
    }

    [Fact]
    public void Broken_safetensors_file_is_a_format_error()
    {
        using var c = TempCheckpoint.Copy();
        byte[] bytes = File.ReadAllBytes(c.File("model.safetensors"));
        File.WriteAllBytes(c.File("model.safetensors"), bytes[..(bytes.Length / 2)]);
        var e = Assert.Throws<SafetensorsFormatException>(() => Model.Load(c.Path).Dispose());
        Assert.Contains("model.safetensors", e.Message);
        Assert.Contains("outside the", e.Message);
    }

    [Fact]
    public void Folder_without_weights_is_reported()
    {
        using var c = TempCheckpoint.Copy();
        File.Delete(c.File("model.safetensors"));
        RejectModel(c, "neither model.safetensors nor model.safetensors.index.json");
    }

    [Theory]
    [InlineData("../model.safetensors", "is not a .safetensors file in the folder")]
    [InlineData("/etc/passwd", "is not a .safetensors file in the folder")]
    [InlineData("model-00009-of-00009.safetensors", "which is missing")]
    public void Hostile_or_wrong_shard_index_is_refused(string shard, string expected)
    {
        using var c = TempCheckpoint.Copy();
        File.WriteAllText(c.File("model.safetensors.index.json"),
            "{\"metadata\": {}, \"weight_map\": {\"lm_head.weight\": \"" + shard + "\"}}");
        RejectModel(c, expected);
    }

    [Fact]
    public void Index_that_misplaces_a_tensor_is_refused()
    {
        using var c = TempCheckpoint.Copy();
        File.WriteAllText(c.File("model.safetensors.index.json"),
            """{"weight_map": {"lm_head.weight": "model.safetensors", "model.nothing.weight": "model.safetensors"}}""");
        RejectModel(c, "places 'model.nothing.weight' in model.safetensors");
    }

    [Fact]
    public void Missing_folder_is_a_missing_directory() =>
        Assert.Throws<DirectoryNotFoundException>(() => HfCheckpoint.Open(Path.Combine(Path.GetTempPath(), "spindle-no-such-checkpoint")));
}

using Simulator.Deploy.Yaml;
using YamlDotNet.RepresentationModel;

namespace Simulator.Deploy.Tests;

/// <summary>The YAML writer: what it writes reads back as the same strings, numbers and structure.</summary>
public class YamlTextTests
{
    [Theory]
    [InlineData("true")]
    [InlineData("8")]
    [InlineData("1e3")]
    [InlineData("a: b")]
    [InlineData("-x")]
    [InlineData("# no")]
    [InlineData("")]
    [InlineData(" padded ")]
    [InlineData("say \"hi\"")]
    [InlineData("$(LWS_LEADER_ADDRESS):6379")]
    [InlineData("line one\nline two\n")]
    [InlineData("{\"kv_connector\":\"NixlConnector\"}")]
    public void Strings_read_back_as_written(string s)
    {
        var text = YamlText.Document(new YMap().Add("k", s).Add("list", YList.Of([s])).Add("n", 3L));
        var stream = new YamlStream();
        stream.Load(new StringReader(text));
        var root = (YamlMappingNode)stream.Documents[0].RootNode;
        Assert.Equal(s, ((YamlScalarNode)root.Children[new YamlScalarNode("k")]).Value);
        Assert.Equal(s, ((YamlScalarNode)((YamlSequenceNode)root.Children[new YamlScalarNode("list")]).Children[0]).Value);
        Assert.Equal("3", ((YamlScalarNode)root.Children[new YamlScalarNode("n")]).Value);
    }

    [Fact]
    public void Lists_of_mappings_and_nested_mappings_keep_their_order()
    {
        var text = YamlText.Document(new YMap().Add("a", new YList([new YMap().Add("x", 1L).Add("k", new YMap().Add("z", "w"))])).Add("b", new YMap()));
        Assert.Equal("a:\n- x: 1\n  k:\n    z: w\nb: {}\n", text);
        // "y" is a boolean to YAML 1.1 readers, so a key or value "y" is quoted.
        Assert.Equal("\"y\": \"n\"\n", YamlText.Document(new YMap().Add("y", "n")));
    }
}

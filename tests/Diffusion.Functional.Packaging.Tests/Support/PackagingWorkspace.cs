using System.Collections.Concurrent;
using System.Security;

namespace Diffusion.Functional.Packaging.Tests.Support;

/// <summary>
/// One temporary folder for every packaging test, deleted at the end. Each expensive step runs once, on first use,
/// and its outcome (or its failure) is shared by the tests that need it:
/// <list type="bullet">
/// <item><see cref="Feed"/>: <c>dotnet pack</c> of the four packable projects, built into a private artifacts folder
/// so it never touches the bin/ and obj/ folders of the solution's own build.</item>
/// <item><see cref="RepositoryCopy"/>: src/, data/, docs/examples/ and docs/data/ (the tables the Plots assembly embeds) copied without bin/ and obj/, where the scripts
/// run as committed (their <c>#:project</c> lines build the copy, not the repository).</item>
/// <item><see cref="ToolCommand"/>: the tool installed from <see cref="Feed"/> into a private tool path.</item>
/// </list>
/// Every child process gets a private NuGet package folder, so a package cached by an earlier run can never stand in
/// for the one just packed, and a private XDG_DATA_HOME, where <c>dotnet run file.cs</c> keeps its build cache.
/// Packages named Diffusion.* restore only from <see cref="Feed"/> (NuGet package source mapping); their dependencies
/// come from the machine's NuGet cache, read as a local feed, or from nuget.org.
/// </summary>
public sealed class PackagingWorkspace : IDisposable
{
    /// <summary>The longest any single dotnet command may take before it is killed (a 2-core machine, busy with the other test projects).</summary>
    public static readonly TimeSpan CommandTimeout = TimeSpan.FromMinutes(8);

    private readonly Lazy<string> _feed;
    private readonly Lazy<string> _repositoryCopy;
    private readonly Lazy<string> _toolCommand;
    private readonly ConcurrentQueue<string> _timings = new();

    /// <summary>The root of the workspace.</summary>
    public string Folder { get; } = Directory.CreateTempSubdirectory("diffusion-packaging-").FullName;

    /// <summary>The environment of every child process.</summary>
    public IReadOnlyDictionary<string, string?> Environment { get; }

    /// <summary>The path of the dotnet host.</summary>
    public string DotnetHost { get; } = FindDotnetHost();

    /// <summary>What each step took, in the order they ran ("step: seconds").</summary>
    public IEnumerable<string> Timings => _timings;

    public PackagingWorkspace()
    {
        try
        {
            Environment = ChildEnvironment();
            WriteNuGetConfigs();
        }
        catch
        {
            Dispose(); // a fixture whose constructor throws is never disposed
            throw;
        }
        _feed = new Lazy<string>(PackIntoFeed);
        _repositoryCopy = new Lazy<string>(CopyRepository);
        _toolCommand = new Lazy<string>(InstallTool);
    }

    /// <summary>The local folder feed holding the packages just packed (packs on first use).</summary>
    public string Feed => _feed.Value;

    /// <summary>A copy of the repository's sources, data and scripts (copied on first use).</summary>
    public string RepositoryCopy => _repositoryCopy.Value;

    /// <summary>The installed <c>diffusion</c> command (packs and installs on first use).</summary>
    public string ToolCommand => _toolCommand.Value;

    /// <summary>A new empty folder inside the workspace, for one test's files.</summary>
    public string NewFolder(string name) => Directory.CreateDirectory(Path.Combine(Folder, "work", $"{name}-{Guid.NewGuid():N}")).FullName;

    /// <summary>Runs <c>dotnet</c> with the workspace's environment; fails the test with everything printed if it exits non-zero.</summary>
    public ProcessResult Dotnet(string workingFolder, string step, params string[] arguments) =>
        RunOk(DotnetHost, arguments, workingFolder, step);

    /// <summary>Runs a program with the workspace's environment; fails the test with everything printed if it exits non-zero.</summary>
    public ProcessResult RunOk(string program, IEnumerable<string> arguments, string workingFolder, string step)
    {
        ProcessResult result = ProcessRunner.Run(program, arguments, workingFolder, Environment, CommandTimeout);
        _timings.Enqueue($"{step}: {result.Elapsed.TotalSeconds:F1} s");
        if (result.ExitCode != 0) throw new Xunit.Sdk.XunitException($"{step} failed.\n{result.Describe()}");
        return result;
    }

    /// <summary>Deletes the workspace.</summary>
    public void Dispose()
    {
        if (Directory.Exists(Folder)) Directory.Delete(Folder, recursive: true);
    }

    private string PackIntoFeed()
    {
        string feed = Path.Combine(Folder, "feed");
        // A solution of just the packable projects, so `dotnet pack` builds nothing else (no test project).
        string solution = Path.Combine(Folder, "packages.slnx");
        File.WriteAllText(solution,
            "<Solution>\n" + string.Concat(Repository.PackableProjects.Select(p =>
                $"  <Project Path=\"{SecurityElement.Escape(Repository.PathOf(p.Project))}\" />\n")) + "</Solution>\n");
        Dotnet(Folder, "dotnet pack", "pack", solution, "-c", "Release",
            "--artifacts-path", Path.Combine(Folder, "artifacts"), "-o", feed);
        return feed;
    }

    private string InstallTool()
    {
        string toolPath = Path.Combine(Folder, "tools");
        Dotnet(Folder, "dotnet tool install", "tool", "install", Repository.ToolPackageId,
            "--version", Repository.Version, "--tool-path", toolPath,
            "--add-source", Feed, "--configfile", Path.Combine(Folder, "tool-nuget.config"));
        string command = Path.Combine(toolPath, OperatingSystem.IsWindows() ? "diffusion.exe" : "diffusion");
        if (!File.Exists(command)) throw new Xunit.Sdk.XunitException($"The tool installed no command {command}.");
        return command;
    }

    private string CopyRepository()
    {
        string copy = Path.Combine(Folder, "repository");
        foreach (string file in new[] { "Directory.Build.props", "Directory.Packages.props", ".editorconfig", "LICENSE", "global.json" })
            if (File.Exists(Repository.PathOf(file))) CopyFile(Repository.PathOf(file), Path.Combine(copy, file));
        foreach (string folder in new[] { "src", "data", Path.Combine("docs", "examples"), Path.Combine("docs", "data") })
            CopyFolder(Repository.PathOf(folder), Path.Combine(copy, folder));
        CopyFile(Repository.PathOf("docs", "package-readme.md"), Path.Combine(copy, "docs", "package-readme.md"));
        return copy;
    }

    private static void CopyFolder(string from, string to)
    {
        Directory.CreateDirectory(to);
        foreach (string file in Directory.EnumerateFiles(from)) CopyFile(file, Path.Combine(to, Path.GetFileName(file)));
        foreach (string folder in Directory.EnumerateDirectories(from))
        {
            string name = Path.GetFileName(folder);
            if (name is "bin" or "obj") continue; // outputs of the solution's own build
            CopyFolder(folder, Path.Combine(to, name));
        }
    }

    private static void CopyFile(string from, string to)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(to)!);
        File.Copy(from, to);
    }

    // nuget.config at the workspace root applies to everything built below it: the repository copy, the consumer and
    // the scripts run outside the repository. The tool installs from its own config, which has no source but --add-source.
    private void WriteNuGetConfigs()
    {
        string feed = Path.Combine(Folder, "feed");
        string? machineCache = MachinePackageFolder();
        string cacheSource = machineCache is null ? "" : $"    <add key=\"machine-cache\" value=\"{SecurityElement.Escape(machineCache)}\" />\n";
        string cacheMapping = machineCache is null ? "" : "    <packageSource key=\"machine-cache\"><package pattern=\"*\" /></packageSource>\n";
        File.WriteAllText(Path.Combine(Folder, "nuget.config"), $"""
            <?xml version="1.0" encoding="utf-8"?>
            <configuration>
              <packageSources>
                <clear />
                <add key="packed-here" value="{SecurityElement.Escape(feed)}" />
            {cacheSource}    <add key="nuget.org" value="https://api.nuget.org/v3/index.json" />
              </packageSources>
              <packageSourceMapping>
                <packageSource key="packed-here"><package pattern="Diffusion.*" /></packageSource>
            {cacheMapping}    <packageSource key="nuget.org"><package pattern="*" /></packageSource>
              </packageSourceMapping>
            </configuration>
            """);
        File.WriteAllText(Path.Combine(Folder, "tool-nuget.config"), """
            <?xml version="1.0" encoding="utf-8"?>
            <configuration>
              <packageSources>
                <clear />
              </packageSources>
            </configuration>
            """);
    }

    // The machine's NuGet package folder is laid out as a local feed (id/version/id.version.nupkg): the dependencies
    // (ScottPlot, SkiaSharp and its native assets) come from there instead of being downloaded again on every run.
    private static string? MachinePackageFolder()
    {
        string folder = System.Environment.GetEnvironmentVariable("NUGET_PACKAGES") is { Length: > 0 } configured
            ? configured
            : Path.Combine(System.Environment.GetFolderPath(System.Environment.SpecialFolder.UserProfile), ".nuget", "packages");
        return Directory.Exists(folder) ? folder : null;
    }

    private Dictionary<string, string?> ChildEnvironment()
    {
        var environment = new Dictionary<string, string?>(StringComparer.Ordinal);
        foreach (System.Collections.DictionaryEntry entry in System.Environment.GetEnvironmentVariables())
        {
            string name = (string)entry.Key;
            // The test host runs under `dotnet test`, whose MSBuild variables would steer the child builds.
            if (name.StartsWith("MSBUILD", StringComparison.OrdinalIgnoreCase) || name.StartsWith("VSTEST", StringComparison.OrdinalIgnoreCase)) continue;
            environment[name] = (string?)entry.Value;
        }
        string dataHome = Directory.CreateDirectory(Path.Combine(Folder, "xdg-data")).FullName;
        string? sharedHttpCache = System.Environment.GetEnvironmentVariable("NUGET_HTTP_CACHE_PATH") is { Length: > 0 } httpCache
            ? httpCache
            : Path.Combine(System.Environment.GetFolderPath(System.Environment.SpecialFolder.LocalApplicationData), "NuGet", "http-cache");
        environment["NUGET_PACKAGES"] = Directory.CreateDirectory(Path.Combine(Folder, "nuget-packages")).FullName;
        environment["NUGET_HTTP_CACHE_PATH"] = sharedHttpCache; // responses of nuget.org only; never our packages
        environment["XDG_DATA_HOME"] = dataHome;
        if (!environment.TryGetValue("DOTNET_ROOT", out string? root) || string.IsNullOrEmpty(root))
            environment["DOTNET_ROOT"] = Path.GetDirectoryName(DotnetHost); // where the tool's launcher finds the runtime
        environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
        environment["DOTNET_NOLOGO"] = "1";
        environment["DOTNET_SKIP_FIRST_TIME_EXPERIENCE"] = "1";
        environment["DOTNET_CLI_WORKLOAD_UPDATE_NOTIFY_DISABLE"] = "1";
        environment["DOTNET_CLI_USE_MSBUILD_SERVER"] = "0";
        environment["MSBUILDDISABLENODEREUSE"] = "1";
        return environment;
    }

    private static string FindDotnetHost()
    {
        string executable = OperatingSystem.IsWindows() ? "dotnet.exe" : "dotnet";
        string? host = System.Environment.GetEnvironmentVariable("DOTNET_HOST_PATH");
        if (host is null || !File.Exists(host))
        {
            host = (System.Environment.GetEnvironmentVariable("PATH") ?? "")
                .Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries)
                .Select(folder => Path.Combine(folder, executable))
                .FirstOrDefault(File.Exists)
                ?? throw new InvalidOperationException("No dotnet host: neither DOTNET_HOST_PATH nor PATH leads to one.");
        }
        // /usr/bin/dotnet is often a link into the installation folder, which is what DOTNET_ROOT must name.
        return new FileInfo(host).ResolveLinkTarget(returnFinalTarget: true)?.FullName ?? Path.GetFullPath(host);
    }
}

/// <summary>The packaging tests share one workspace and run one after another (each step keeps both cores busy).</summary>
[CollectionDefinition(Name)]
public sealed class PackagingCollection : ICollectionFixture<PackagingWorkspace>
{
    /// <summary>The collection's name.</summary>
    public const string Name = "Packaging";
}

using System.Runtime.CompilerServices;
using ApprovalTests;
using ApprovalTests.Core;
using ApprovalTests.Reporters;
using ApprovalTests.Writers;

namespace Diffusion.Functional.Plots.Tests.Support;

/// <summary>
/// Image snapshots with ApprovalTests file approvals: <c>snapshots/{Class}.{Method}.approved.png</c> in the repository,
/// compared by decoded pixels (not bytes); a mismatch writes <c>{Class}.{Method}.received.png</c> beside it (git-ignored)
/// and fails saying how many pixels differ and by how much. Approve a new image only after looking at it: rename the
/// received file to approved.
/// </summary>
public static class SnapshotApproval
{
    /// <summary>The folder of approved images.</summary>
    public static string Folder => Repository.PathOf("snapshots");

    /// <summary>Checks <paramref name="png"/> against the approved snapshot named after the calling test.</summary>
    public static void VerifyPng(byte[] png, string testClass, [CallerMemberName] string testMethod = "")
    {
        var namer = new SnapshotNamer(Folder, $"{testClass}.{testMethod}");
        var writer = new ApprovalBinaryWriter(png, "png");
        Approvals.Verify(new PixelApprover(writer, namer), QuietReporter.INSTANCE);
    }

    /// <summary>Names snapshot files {Class}.{Method} in the snapshots folder.</summary>
    private sealed class SnapshotNamer(string folder, string name) : IApprovalNamer
    {
        public string SourcePath => folder;

        public string Name => name;
    }

    /// <summary>Approves when the received PNG decodes to the same pixels as the approved one.</summary>
    private sealed class PixelApprover(IApprovalWriter writer, IApprovalNamer namer) : IApprovalApprover
    {
        private readonly string _approved = Path.Combine(namer.SourcePath, writer.GetApprovalFilename(namer.Name));
        private readonly string _received = Path.Combine(namer.SourcePath, writer.GetReceivedFilename(namer.Name));
        private string _failure = "";

        public bool Approve()
        {
            writer.WriteReceivedFile(_received);
            if (!File.Exists(_approved))
            {
                _failure = $"No approved snapshot {_approved}. Look at {_received}; if it is right, rename it to {Path.GetFileName(_approved)}.";
                return false;
            }
            PngComparison comparison = PngComparison.Of(File.ReadAllBytes(_approved), File.ReadAllBytes(_received));
            if (comparison.Identical) return true;
            _failure = $"{Path.GetFileName(_received)} differs from the approved snapshot: {comparison.Describe()}. Compare {_received} with {_approved}.";
            return false;
        }

        public void Fail() => throw new Xunit.Sdk.XunitException(_failure);

        public void ReportFailure(IApprovalFailureReporter reporter) => reporter.Report(_approved, _received);

        public void CleanUpAfterSuccess(IApprovalFailureReporter reporter) => File.Delete(_received);
    }
}

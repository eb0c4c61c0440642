namespace Diffusion.Functional.Data.Mnist;

/// <summary>
/// Finds and loads a user's copy of MNIST: the standard file pairs <c>{set}-images-idx3-ubyte[.gz]</c> and
/// <c>{set}-labels-idx1-ubyte[.gz]</c> that torchvision and the MNIST tutorials download.
/// </summary>
public static class MnistFiles
{
    private const string ImagesSuffix = "-images-idx3-ubyte";
    private const string LabelsSuffix = "-labels-idx1-ubyte";

    /// <summary>Loads an image file and its label file (each plain or gzip).</summary>
    /// <exception cref="InvalidDataException">Either file is malformed, or they do not pair up; the message names the file.</exception>
    /// <exception cref="FileNotFoundException">A file does not exist.</exception>
    public static MnistDigits Load(string imagesPath, string labelsPath)
    {
        IdxImages images = IdxFile.ReadImages(imagesPath);
        IdxLabels labels = IdxFile.ReadLabels(labelsPath);
        return MnistDigits.Pair(images, labels, $"{imagesPath} and {labelsPath}");
    }

    /// <summary>
    /// Loads the MNIST set in <paramref name="directory"/> (see <see cref="Locate"/> for which one).
    /// </summary>
    public static MnistDigits LoadDirectory(string directory)
    {
        var (images, labels) = Locate(directory);
        return Load(images, labels);
    }

    /// <summary>
    /// The image and label files of one MNIST set in <paramref name="directory"/> or, as torchvision lays them out,
    /// in <c>directory/MNIST/raw</c>: the training set <c>train-*</c> if present (the seed notebook's set), else the
    /// test set <c>t10k-*</c>, else the only set there. A plain file is preferred to its <c>.gz</c>.
    /// </summary>
    /// <exception cref="DirectoryNotFoundException">The directory does not exist.</exception>
    /// <exception cref="FileNotFoundException">No complete pair is there, or several sets and none of them train or t10k.</exception>
    public static (string Images, string Labels) Locate(string directory)
    {
        ArgumentException.ThrowIfNullOrEmpty(directory);
        if (!Directory.Exists(directory))
            throw new DirectoryNotFoundException($"The MNIST directory {directory} does not exist.");
        string[] candidates = [directory, Path.Combine(directory, "MNIST", "raw")];
        foreach (string folder in candidates.Where(Directory.Exists))
        {
            var sets = Directory.EnumerateFiles(folder)
                .Select(Path.GetFileName)
                .OfType<string>()
                .Select(name => name.EndsWith(".gz", StringComparison.Ordinal) ? name[..^3] : name)
                .Where(name => name.EndsWith(ImagesSuffix, StringComparison.Ordinal))
                .Select(name => name[..^ImagesSuffix.Length])
                .Distinct()
                .Where(set => Find(folder, set + LabelsSuffix) is not null)
                .Order(StringComparer.Ordinal)
                .ToList();
            string? chosen = sets.Contains("train") ? "train" : sets.Contains("t10k") ? "t10k" : sets.Count == 1 ? sets[0] : null;
            if (chosen is not null)
                return (Find(folder, chosen + ImagesSuffix)!, Find(folder, chosen + LabelsSuffix)!);
            if (sets.Count > 1)
                throw new FileNotFoundException(
                    $"{folder} holds several MNIST sets ({string.Join(", ", sets)}) and none is train or t10k; point to a folder with one set.");
        }
        throw new FileNotFoundException(
            $"No MNIST file pair in {directory}: expected train{ImagesSuffix}[.gz] and train{LabelsSuffix}[.gz] (or t10k-…), there or in {Path.Combine(directory, "MNIST", "raw")}.");
    }

    private static string? Find(string folder, string name)
    {
        string plain = Path.Combine(folder, name);
        if (File.Exists(plain)) return plain;
        string gzip = plain + ".gz";
        return File.Exists(gzip) ? gzip : null;
    }
}

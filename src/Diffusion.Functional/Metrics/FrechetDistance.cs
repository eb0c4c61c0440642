namespace Diffusion.Functional.Metrics;

/// <summary>
/// The Fréchet distance between two Gaussians fitted to feature sets, ‖μ₁ − μ₂‖² + tr(Σ₁ + Σ₂ − 2(Σ₁Σ₂)^{1/2})
/// (Dowson &amp; Landau 1982; the FID of Heusel et al. 2017, eq. 6, with any feature extractor), in double.
/// </summary>
public static class FrechetDistance
{
    /// <summary>The Fréchet distance (Heusel et al. 2017, eq. 6) between the sample Gaussians of two feature sets, each <c>count × dimension</c> values, row by row.</summary>
    /// <param name="first">n₁ ≥ 2 rows of <paramref name="dimension"/> features.</param>
    /// <param name="second">n₂ ≥ 2 rows of <paramref name="dimension"/> features.</param>
    /// <param name="dimension">d ≥ 1.</param>
    public static double Between(ReadOnlySpan<float> first, ReadOnlySpan<float> second, int dimension)
    {
        var (m1, c1) = Moments(first, dimension);
        var (m2, c2) = Moments(second, dimension);
        return OfMoments(m1, c1, m2, c2);
    }

    /// <summary>The sample mean and the unbiased sample covariance (d × d, row-major) of <c>count × dimension</c> features (Heusel et al. 2017, eq. 6's μ and Σ).</summary>
    public static (double[] Mean, double[] Covariance) Moments(ReadOnlySpan<float> features, int dimension)
    {
        if (dimension < 1) throw new ArgumentOutOfRangeException(nameof(dimension), dimension, $"dimension = {dimension}; a feature has at least one number.");
        if (features.Length % dimension != 0)
            throw new ArgumentException($"{features.Length} values are not whole rows of {dimension} features.", nameof(features));
        int n = features.Length / dimension;
        if (n < 2) throw new ArgumentException($"{n} feature rows; a covariance needs at least 2.", nameof(features));
        var mean = new double[dimension];
        for (int i = 0; i < n; i++)
            for (int a = 0; a < dimension; a++) mean[a] += features[i * dimension + a];
        for (int a = 0; a < dimension; a++) mean[a] /= n;
        var covariance = new double[dimension * dimension];
        var centred = new double[dimension];
        for (int i = 0; i < n; i++)
        {
            for (int a = 0; a < dimension; a++) centred[a] = features[i * dimension + a] - mean[a];
            for (int a = 0; a < dimension; a++)
            {
                double ca = centred[a];
                for (int b = a; b < dimension; b++) covariance[a * dimension + b] += ca * centred[b];
            }
        }
        for (int a = 0; a < dimension; a++)
            for (int b = a; b < dimension; b++)
                covariance[b * dimension + a] = covariance[a * dimension + b] /= n - 1;
        return (mean, covariance);
    }

    /// <summary>
    /// ‖μ₁ − μ₂‖² + tr Σ₁ + tr Σ₂ − 2·tr (Σ₁Σ₂)^{1/2} (Dowson &amp; Landau 1982) for symmetric positive semi-definite Σ (d × d,
    /// row-major): tr (Σ₁Σ₂)^{1/2} = Σ √λ_i of the symmetric S = Σ₁^{1/2} Σ₂ Σ₁^{1/2}, which has the eigenvalues of Σ₁Σ₂.
    /// </summary>
    public static double OfMoments(ReadOnlySpan<double> mean1, ReadOnlySpan<double> covariance1, ReadOnlySpan<double> mean2, ReadOnlySpan<double> covariance2)
    {
        int d = mean1.Length;
        if (mean2.Length != d || covariance1.Length != d * d || covariance2.Length != d * d)
            throw new ArgumentException($"means of {mean1.Length} and {mean2.Length} numbers and covariances of {covariance1.Length} and {covariance2.Length}: both need d and d × d.", nameof(mean2));
        double distance = 0.0;
        for (int a = 0; a < d; a++) distance += (mean1[a] - mean2[a]) * (mean1[a] - mean2[a]) + covariance1[a * d + a] + covariance2[a * d + a];
        // Σ₁^{1/2} = V diag(√λ) Vᵀ from Σ₁'s eigen-decomposition; then S's eigenvalues.
        var (values, vectors) = SymmetricEigen(covariance1.ToArray(), d);
        var root = new double[d * d];
        for (int a = 0; a < d; a++)
            for (int b = 0; b < d; b++)
            {
                double s = 0.0;
                for (int k = 0; k < d; k++) s += vectors[a * d + k] * Math.Sqrt(Math.Max(values[k], 0.0)) * vectors[b * d + k];
                root[a * d + b] = s;
            }
        double[] product = Multiply(Multiply(root, covariance2.ToArray(), d), root, d);
        for (int a = 0; a < d; a++)
            for (int b = a + 1; b < d; b++)
                product[a * d + b] = product[b * d + a] = 0.5 * (product[a * d + b] + product[b * d + a]);
        var (eigen, _) = SymmetricEigen(product, d);
        double trace = 0.0;
        foreach (double lambda in eigen) trace += Math.Sqrt(Math.Max(lambda, 0.0));
        return distance - 2.0 * trace;
    }

    private static double[] Multiply(double[] x, double[] y, int d)
    {
        var z = new double[d * d];
        for (int a = 0; a < d; a++)
            for (int k = 0; k < d; k++)
            {
                double xa = x[a * d + k];
                for (int b = 0; b < d; b++) z[a * d + b] += xa * y[k * d + b];
            }
        return z;
    }

    /// <summary>Eigenvalues and eigenvectors (columns, row-major) of a symmetric matrix by cyclic Jacobi rotations (Golub &amp; Van Loan 2013, §8.5).</summary>
    internal static (double[] Values, double[] Vectors) SymmetricEigen(double[] matrix, int d)
    {
        double[] a = matrix;
        var v = new double[d * d];
        for (int i = 0; i < d; i++) v[i * d + i] = 1.0;
        for (int sweep = 0; sweep < 100; sweep++)
        {
            double off = 0.0, scale = 0.0;
            for (int p = 0; p < d; p++)
                for (int q = 0; q < d; q++)
                {
                    if (p != q) off += a[p * d + q] * a[p * d + q];
                    scale += a[p * d + q] * a[p * d + q];
                }
            if (off <= 1e-30 * scale || off == 0.0) break;
            for (int p = 0; p < d - 1; p++)
                for (int q = p + 1; q < d; q++)
                {
                    double apq = a[p * d + q];
                    if (apq == 0.0) continue;
                    double theta = (a[q * d + q] - a[p * d + p]) / (2.0 * apq);
                    double t = Math.Sign(theta) / (Math.Abs(theta) + Math.Sqrt(theta * theta + 1.0));
                    if (theta == 0.0) t = 1.0;
                    double c = 1.0 / Math.Sqrt(t * t + 1.0), s = t * c;
                    for (int k = 0; k < d; k++)
                    {
                        double akp = a[k * d + p], akq = a[k * d + q];
                        a[k * d + p] = c * akp - s * akq;
                        a[k * d + q] = s * akp + c * akq;
                    }
                    for (int k = 0; k < d; k++)
                    {
                        double apk = a[p * d + k], aqk = a[q * d + k];
                        a[p * d + k] = c * apk - s * aqk;
                        a[q * d + k] = s * apk + c * aqk;
                    }
                    for (int k = 0; k < d; k++)
                    {
                        double vkp = v[k * d + p], vkq = v[k * d + q];
                        v[k * d + p] = c * vkp - s * vkq;
                        v[k * d + q] = s * vkp + c * vkq;
                    }
                }
        }
        var values = new double[d];
        for (int i = 0; i < d; i++) values[i] = a[i * d + i];
        return (values, v);
    }
}

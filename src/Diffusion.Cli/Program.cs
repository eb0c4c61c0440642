using Diffusion.Cli;

return DiffusionCli.Run(args, Console.Out, Console.Error);

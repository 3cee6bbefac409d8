// Screening evaluation: runs the injection detector and the PII recognizers over a data folder.
Console.Error.WriteLine("eval-screening: not implemented yet");
return 2;

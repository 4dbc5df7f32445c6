using MPanel.Web;

var app = MPanelApp.Build(args);
await app.PrepareAsync();
app.Run();

public partial class Program;

using MPanel.Web;

var app = MPanelApp.Build(args);
app.Run();

public partial class Program;

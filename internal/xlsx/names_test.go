package xlsx

import "testing"

func TestSafeName(t *testing.T) {
	for name, want := range map[string]bool{
		"xl/worksheets/sheet1.xml": true, "[Content_Types].xml": true, "_rels/.rels": true,
		"xl/media/图片1.png": true, "docProps/custom.xml": true,
		"/tmp/evil.sh": false, "../../evil.sh": false, `..\..\win.bat`: false, "xl/../../up.txt": false,
		"xl/./a.xml": false, "xl//a.xml": false, "C:/x.txt": false, `C:\x.txt`: false, "c:x": false,
		"": false, ".": false, "xl/": false, `\\server\share\x`: false,
	} {
		if got := SafeName(name); got != want {
			t.Errorf("SafeName(%q) = %v, want %v", name, got, want)
		}
	}
}

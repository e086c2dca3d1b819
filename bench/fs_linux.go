package bench

import (
	"syscall"
)

// fsTypes names the file systems statfs reports by magic number.
var fsTypes = map[int64]string{
	0xef53:     "ext4",
	0x01021994: "tmpfs",
	0x58465342: "xfs",
	0x9123683e: "btrfs",
	0x6969:     "nfs",
	0x794c7630: "overlayfs",
	0x65735546: "fuse",
	0x2fc12fc1: "zfs",
}

// fsType names the file system that holds dir, or "" when it cannot be
// told. The bench prints it for the round's folder and for the temporary
// directory, because on a file system such as this machine's ext4 the
// steps that create or grow many files spend most of their time in the
// kernel, the more so after many files were deleted.
func fsType(dir string) string {
	var st syscall.Statfs_t
	if err := syscall.Statfs(dir, &st); err != nil {
		return ""
	}
	if name, ok := fsTypes[int64(st.Type)]; ok {
		return name
	}
	return ""
}

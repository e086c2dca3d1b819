package validate

import (
	"archive/zip"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/xuri/excelize/v2"

	"edustat/internal/inputfile"
	"edustat/internal/soffice"
	"edustat/internal/xlsx"
)

// Default limits: those of internal/xlsx, the one set of limits of
// every workbook edustat reads, the file size and the time LibreOffice
// has to convert a file.
const (
	DefaultMaxFileSize    = 32 << 20                 // bytes of the file
	DefaultMaxUnzipSize   = xlsx.DefaultMaxUnzipSize // bytes of the unzipped package
	DefaultMaxXMLSize     = xlsx.DefaultMaxPartSize  // bytes of one unzipped part
	DefaultMaxRows        = 100000                   // rows of one sheet
	DefaultConvertTimeout = 60 * time.Second         // one attempt at converting .xls, .ods or .et

	maxCells = xlsx.DefaultMaxCells // cells read from one workbook, blanks in rows included
)

// withDefaults returns the limits with zero fields set to the defaults.
func (l Limits) withDefaults() Limits {
	if l.MaxFileSize <= 0 {
		l.MaxFileSize = DefaultMaxFileSize
	}
	if l.MaxUnzipSize <= 0 {
		l.MaxUnzipSize = DefaultMaxUnzipSize
	}
	if l.MaxXMLSize <= 0 {
		l.MaxXMLSize = DefaultMaxXMLSize
	}
	if l.MaxXMLSize > l.MaxUnzipSize {
		l.MaxXMLSize = l.MaxUnzipSize
	}
	if l.MaxRows <= 0 {
		l.MaxRows = DefaultMaxRows
	}
	if l.ConvertTimeout <= 0 {
		l.ConvertTimeout = DefaultConvertTimeout
	}
	return l
}

// xlsxLimits are the limits of reading, as internal/xlsx takes them.
func (l Limits) xlsxLimits() xlsx.Limits {
	return xlsx.Limits{MaxPartSize: l.MaxXMLSize, MaxUnzipSize: l.MaxUnzipSize, MaxRows: l.MaxRows, MaxCells: maxCells}
}

// What to tell the user, after the file name and the sentinel.
const (
	hintSaveAs    = "请在 Excel/WPS 中另存为 .xlsx（Excel 工作簿）后重新提交"
	hintNotBook   = "不是 Excel 工作簿（.xlsx），请检查是否选错了文件"
	hintTruncated = "文件不完整或已损坏（可能下载或复制时中断），请重新保存后提交"
	hintBomb      = "；如确是正常填报的报表，请在 Excel/WPS 中删去多余的图片、空白行列后另存为 .xlsx 重新提交，否则请勿打开此文件，请报送单位重新报送"
	hintDamaged   = "文件已损坏，无法读取，请在 Excel/WPS 中打开并另存为 .xlsx 后重新提交"
)

// bookError returns an error that names the file, wraps the sentinel and says
// what to do: "报表.xls: legacy format: 请在 Excel/WPS 中另存为 .xlsx 后重新提交".
func bookError(path string, sentinel error, format string, args ...any) error {
	return fmt.Errorf("%s: %w: %s", path, sentinel, fmt.Sprintf(format, args...))
}

// readBookFile reads the file at path, refusing what is not a regular file
// (a named pipe would block, a device never end) and a file over the size
// limit.
func readBookFile(path string, lim Limits) ([]byte, os.FileInfo, error) {
	return readBookInto(nil, path, lim)
}

// readBookInto is readBookFile into buf when the file fits (see
// inputfile.ReadInto).
func readBookInto(buf []byte, path string, lim Limits) ([]byte, os.FileInfo, error) {
	data, st, err := inputfile.ReadInto(buf, path, lim.MaxFileSize)
	switch {
	case errors.Is(err, inputfile.ErrNotRegular):
		if st, serr := os.Stat(path); serr == nil && st.IsDir() {
			return nil, nil, bookError(path, ErrNotWorkbook, "这是文件夹，不是 Excel 工作簿")
		}
		return nil, nil, bookError(path, ErrNotWorkbook, "这不是普通文件（可能是管道、设备或套接字），请选择 Excel 工作簿文件")
	case errors.Is(err, inputfile.ErrTooLarge):
		if st, serr := os.Stat(path); serr == nil && st.Size() > lim.MaxFileSize {
			return nil, nil, bookError(path, ErrTooLarge, "文件 %s 超过上限 %s，请检查是否选错了文件", sizeString(st.Size()), sizeString(lim.MaxFileSize))
		}
		return nil, nil, bookError(path, ErrTooLarge, "文件超过上限 %s", sizeString(lim.MaxFileSize))
	case err != nil:
		return nil, nil, err
	}
	return data, st, nil
}

func sizeString(n int64) string {
	if n >= 1<<20 {
		return fmt.Sprintf("%.1f MB", float64(n)/(1<<20))
	}
	return fmt.Sprintf("%d KB", (n+1023)>>10)
}

var (
	zipMagic = []byte("PK\x03\x04")
	oleMagic = []byte{0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1}
	// encryptedPackage is the name of the stream of an encrypted .xlsx
	// inside its OLE container, in UTF-16LE.
	encryptedPackage = utf16le("EncryptedPackage")
)

func utf16le(s string) []byte {
	b := make([]byte, 0, 2*len(s))
	for i := 0; i < len(s); i++ {
		b = append(b, s[i], 0)
	}
	return b
}

// openBook checks the bytes of a file and opens them as a workbook: it
// decrypts an encrypted .xlsx, converts .xls, .ods and .et through
// LibreOffice, and refuses what is not a workbook or would unzip to too much.
// The findings say what was done to the file.
func openBook(path string, data []byte, opts Options, lim Limits) (*xlsx.Book, []Finding, error) {
	var notes []Finding
	ext := strings.ToLower(filepath.Ext(path))
	switch {
	case bytes.HasPrefix(data, oleMagic) && bytes.Contains(data, encryptedPackage):
		if opts.Password == "" {
			return nil, nil, bookError(path, ErrEncrypted, "文件设有打开密码，请用 --password 提供密码，或去掉密码另存后重新提交")
		}
		plain, err := decryptBook(data, opts.Password)
		if err != nil {
			return nil, nil, bookError(path, ErrEncrypted, "密码不正确，无法打开；请核对 --password 所给的密码（区分大小写），或请报送单位去掉密码另存后重新提交")
		}
		data = plain
		notes = append(notes, Finding{Type: TypeDecrypted, Tier: TierInfo, Message: "文件设有打开密码，已用所给密码解密读取"})
	case bytes.HasPrefix(data, oleMagic):
		return convertLegacy(path, data, legacyExt(ext, ".xls"), opts, lim)
	case !bytes.HasPrefix(data, zipMagic):
		if bytes.HasPrefix(data, []byte("PK")) {
			return nil, nil, bookError(path, ErrNotWorkbook, hintTruncated)
		}
		if (ext == ".xls" || ext == ".et") && looksLikeHTML(data) {
			return convertLegacy(path, data, ".xls", opts, lim) // "xls" exported by web systems
		}
		return nil, nil, bookError(path, ErrNotWorkbook, hintNotBook)
	}
	kind, zr, err := checkZip(path, data, lim)
	if err != nil {
		return nil, nil, err
	}
	if kind != "" {
		return convertLegacy(path, data, kind, opts, lim)
	}
	book, err := openZip(zr, lim)
	if err != nil {
		return nil, nil, openError(path, err)
	}
	return book, notes, nil
}

// openError says why a checked zip does not open as a workbook.
func openError(path string, err error) error {
	var dup *xlsx.DuplicateError
	switch {
	case errors.As(err, &dup) && dup.Sheet:
		return bookError(path, ErrNotWorkbook, "文件已损坏或被改动：有两个名为“%s”的工作表，无法确定应读取哪一个；请在 Excel/WPS 中删去多余的一个并另存为 .xlsx，或用下发的模板重新填报", oneLine(dup.Name))
	case errors.As(err, &dup):
		return bookError(path, ErrNotWorkbook, "文件已损坏或被改动：压缩包中有两个名为 %s 的部件，无法确定应读取哪一个；请在 Excel/WPS 中打开并另存为 .xlsx 后重新提交", oneLine(dup.Name))
	}
	return bookError(path, ErrNotWorkbook, "%s（%s）", hintDamaged, oneLine(err.Error()))
}

// legacyExt is the extension under which LibreOffice is given a legacy
// file: its own when it names a spreadsheet format, else def.
func legacyExt(ext, def string) string {
	switch ext {
	case ".xls", ".et", ".ods", ".xlsb", ".ett", ".xlt":
		return ext
	}
	return def
}

func looksLikeHTML(data []byte) bool {
	head := bytes.TrimPrefix(data[:min(len(data), 512)], []byte("\xef\xbb\xbf"))
	head = bytes.ToLower(bytes.TrimSpace(head))
	return bytes.HasPrefix(head, []byte("<html")) || bytes.HasPrefix(head, []byte("<!doctype html")) || bytes.HasPrefix(head, []byte("<table"))
}

func decryptBook(data []byte, password string) (plain []byte, err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("decrypt: %v", r)
		}
	}()
	plain, err = excelize.Decrypt(data, &excelize.Options{Password: password})
	if err == nil && !bytes.HasPrefix(plain, zipMagic) {
		err = errors.New("decrypt: wrong password")
	}
	return plain, err
}

// checkZip reads the zip's central directory and refuses a zip bomb by the
// sizes it declares (archive/zip then refuses to unzip more than declared).
// It returns "" and the zip for an .xlsx or .xlsm, or the extension to
// convert from for a workbook LibreOffice must convert.
func checkZip(path string, data []byte, lim Limits) (kind string, zr *zip.Reader, err error) {
	zr, err = zip.NewReader(bytes.NewReader(data), int64(len(data)))
	if err != nil && !errors.Is(err, zip.ErrInsecurePath) {
		return "", nil, bookError(path, ErrNotWorkbook, hintTruncated)
	}
	kind, err = zipKind(path, zr, lim)
	if err != nil || kind != "" {
		return kind, nil, err
	}
	return "", zr, nil
}

// zipKind checks the declared sizes of a zip's parts and tells an .xlsx
// ("") from a workbook to convert and from other zips.
func zipKind(path string, zr *zip.Reader, lim Limits) (string, error) {
	var over *xlsx.LimitError
	if err := xlsx.CheckZip(zr, lim.xlsxLimits()); errors.As(err, &over) {
		switch over.Over {
		case xlsx.OverEntries:
			return "", bookError(path, ErrTooLarge, "压缩包内有 %d 个文件，超过上限 %d", over.Size, over.Limit)
		case xlsx.OverPart:
			return "", bookError(path, ErrTooLarge, "其中 %s 解压后 %s，超过上限 %s（疑似压缩炸弹）%s", over.Name, sizeString(over.Size), sizeString(over.Limit), hintBomb)
		case xlsx.OverRatio:
			return "", bookError(path, ErrTooLarge, "其中 %s 压缩比异常（疑似压缩炸弹）%s", over.Name, hintBomb)
		}
		return "", bookError(path, ErrTooLarge, "解压后超过上限 %s（疑似压缩炸弹）%s", sizeString(over.Limit), hintBomb)
	} else if err != nil {
		return "", bookError(path, ErrNotWorkbook, "%s（%s）", hintDamaged, oneLine(err.Error()))
	}
	names := map[string]bool{}
	for _, zf := range zr.File {
		names[strings.ToLower(strings.ReplaceAll(zf.Name, "\\", "/"))] = true
	}
	switch {
	case names["xl/workbook.xml"]:
		return "", nil
	case names["xl/workbook.bin"]:
		return ".xlsb", nil
	case names["content.xml"] && names["mimetype"]:
		if odsMime(zr) {
			return ".ods", nil
		}
		return "", bookError(path, ErrNotWorkbook, "这是 OpenDocument 文档，但不是电子表格；%s", hintNotBook)
	case names["word/document.xml"]:
		return "", bookError(path, ErrNotWorkbook, "这是 Word 文档，不是 Excel 工作簿，请检查是否选错了文件")
	case names["ppt/presentation.xml"]:
		return "", bookError(path, ErrNotWorkbook, "这是 PowerPoint 文档，不是 Excel 工作簿，请检查是否选错了文件")
	}
	return "", bookError(path, ErrNotWorkbook, "这是压缩包，%s", hintNotBook)
}

func odsMime(zr *zip.Reader) bool {
	for _, zf := range zr.File {
		if zf.Name != "mimetype" || zf.UncompressedSize64 > 200 {
			continue
		}
		rc, err := zf.Open()
		if err != nil {
			return false
		}
		b, _ := io.ReadAll(io.LimitReader(rc, 200))
		rc.Close()
		return strings.Contains(string(b), "opendocument.spreadsheet")
	}
	return false
}

// openZip opens a checked .xlsx zip, with the limits of reading.
func openZip(zr *zip.Reader, lim Limits) (*xlsx.Book, error) {
	return xlsx.Open(zr, lim.xlsxLimits())
}

// convertLegacy converts a legacy workbook (.xls, .et, .ods, .xlsb) to .xlsx
// through LibreOffice in a private temporary directory and opens the result.
// The input file is never touched: LibreOffice works on a copy.
func convertLegacy(path string, data []byte, ext string, opts Options, lim Limits) (*xlsx.Book, []Finding, error) {
	if _, err := soffice.Find(opts.Soffice); err != nil {
		return nil, nil, bookError(path, ErrLegacy, hintSaveAs)
	}
	dir, err := os.MkdirTemp("", "edustat-convert-")
	if err != nil {
		return nil, nil, err
	}
	defer os.RemoveAll(dir)
	in := filepath.Join(dir, "book"+ext)
	if err := os.WriteFile(in, data, 0o600); err != nil {
		return nil, nil, err
	}
	out := filepath.Join(dir, "out")
	// A crash is tried once more; a file LibreOffice cannot load, or one
	// that keeps it busy past the timeout, is not.
	lo := &soffice.Runner{Command: opts.Soffice, Timeout: lim.ConvertTimeout, Attempts: 2}
	_, err = lo.Convert(context.Background(), "xlsx:Calc MS Excel 2007 XML", out, in)
	var serr *soffice.Error
	errors.As(err, &serr)
	switch {
	case errors.Is(err, soffice.ErrTimeout):
		return nil, nil, bookError(path, ErrLegacy, "LibreOffice 转换超时；%s", hintSaveAs)
	case errors.Is(err, soffice.ErrNoOutput):
		return nil, nil, bookError(path, ErrLegacy, "LibreOffice 无法打开此文件（%s）；%s", oneLine(serr.Output), hintSaveAs)
	case err != nil:
		return nil, nil, bookError(path, ErrLegacy, "LibreOffice 转换失败（%s）；%s", oneLine(err.Error()), hintSaveAs)
	}
	xlsx := filepath.Join(out, "book.xlsx")
	conv, _, err := readBookFile(xlsx, lim)
	if err != nil {
		return nil, nil, bookError(path, ErrLegacy, "LibreOffice 转换失败（%v）；%s", err, hintSaveAs)
	}
	_, zr, err := checkZip(path, conv, lim)
	if err != nil {
		return nil, nil, err
	}
	if zr == nil {
		return nil, nil, bookError(path, ErrLegacy, "LibreOffice 转换结果不是 .xlsx；%s", hintSaveAs)
	}
	book, err := openZip(zr, lim)
	if err != nil {
		return nil, nil, bookError(path, ErrLegacy, "LibreOffice 转换结果无法读取（%s）；%s", oneLine(err.Error()), hintSaveAs)
	}
	from := strings.TrimPrefix(ext, ".")
	note := Finding{Type: TypeConverted, Tier: TierInfo,
		Message: fmt.Sprintf("文件是 %s 格式，已由 LibreOffice 转换为 .xlsx 后读取；以后请提交 .xlsx 文件", from)}
	return book, []Finding{note}, nil
}

func oneLine(s string) string {
	s = strings.TrimSpace(s)
	s, _, _ = strings.Cut(s, "\n")
	return s
}

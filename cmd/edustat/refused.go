package main

import (
	"context"
	"fmt"
	"io"
	"strconv"

	"edustat/internal/table"
	"edustat/store"
)

// sourceText names where a file came from, in Chinese.
var sourceText = map[string]string{"mail": "邮件", "upload": "网页上传", "folder": "文件夹"}

// printRefused lists the files of the round recorded as refused (by
// intake, the portal or collect), with where they came from, who sent them
// and why, so that the bureau sees, for one, a workbook mailed from an
// address not registered for its unit. It prints nothing when there are
// none.
func printRefused(ctx context.Context, w io.Writer, db *store.DB, round string) error {
	versions, err := db.Versions(ctx, round, "")
	if err != nil {
		return err
	}
	rows := [][]string{{"序号", "单位代码", "单位名称", "来源", "发件人", "接收时间", "文件", "原因"}}
	for _, v := range versions {
		if v.Accepted {
			continue
		}
		src := sourceText[v.Source.Kind]
		if src == "" {
			src = v.Source.Kind
		}
		rows = append(rows, []string{strconv.Itoa(len(rows)), v.Unit, v.UnitName, src, v.Source.Sender, minuteOf(v.Source.At), v.Name, v.Reason})
	}
	if len(rows) == 1 {
		return nil
	}
	fmt.Fprintf(w, "\n已拒收的文件（%d 个）：\n", len(rows)-1)
	table.Write(w, rows)
	return nil
}

package main

import (
	"bytes"
	"context"
	"crypto/rand"
	"fmt"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"edustat/internal/fill"
	"edustat/seeds"
	"edustat/store"
	"edustat/templates"
)

// demoSchool is the school a newcomer plays in demo --serve: its file has
// one logic error (在校残疾学生 and 随班就读 typed the wrong way round), so
// it is left out of the loaded round for the newcomer to upload.
const demoSchool = "3137000602"

// demoServe loads the demo round that demo wrote into out into a round
// database there (out/portal.db, made afresh), then serves the portal on
// addr, printing sign-in links for one school, its county and the bureau.
func demoServe(ctx context.Context, e *env, fsys fs.FS, dir, out, addr string) error {
	c, err := loadCatalog("")
	if err != nil {
		return err
	}
	ros, err := loadRoster("")
	if err != nil {
		return err
	}
	r, err := fill.LoadRound(fsys, dir, c)
	if err != nil {
		return err
	}
	if out == "" {
		out = "edustat-demo-" + r.Name
	}
	dbPath := filepath.Join(out, "portal.db")
	for _, suffix := range []string{"", "-wal", "-shm"} {
		if err := os.Remove(dbPath + suffix); err != nil && !os.IsNotExist(err) {
			return err
		}
	}
	catYAML, err := fs.ReadFile(seeds.FS, seeds.CatalogFile)
	if err != nil {
		return err
	}
	units, err := fs.ReadFile(seeds.FS, seeds.UnitsFile)
	if err != nil {
		return err
	}
	spec := store.RoundSpec{Code: r.Name, Catalog: catYAML, Units: units, UnitsName: seeds.UnitsFile, Deadline: r.Deadline.Format(time.DateOnly)}
	if r.Prior != "" {
		if spec.Prior, err = fs.ReadFile(fsys, r.Prior); err != nil {
			return fmt.Errorf("prior round: %w", err)
		}
		spec.PriorName = path.Base(r.Prior)
	}
	db, err := openDB(ctx, dbPath)
	if err != nil {
		return err
	}
	defer db.Close()
	if err := db.InitRound(ctx, spec, store.CLI); err != nil {
		return err
	}

	// Every other unit's files, in the order they arrived, as the intake
	// would take them from the folder.
	files, err := filepath.Glob(filepath.Join(out, "submissions", "*.xlsx"))
	if err != nil {
		return err
	}
	type arrived struct {
		path string
		at   time.Time
	}
	var todo []arrived
	var schoolFile string
	for _, p := range files {
		st, err := os.Stat(p)
		if err != nil {
			return err
		}
		if strings.Contains(filepath.Base(p), "_"+demoSchool+"_") {
			schoolFile = p
			continue
		}
		todo = append(todo, arrived{p, st.ModTime()})
	}
	slices.SortStableFunc(todo, func(a, b arrived) int { return a.at.Compare(b.at) })
	mail := store.Actor{Role: store.RoleSystem, Name: "demo", From: "demo"}
	for _, f := range todo {
		data, err := os.ReadFile(f.path)
		if err != nil {
			return err
		}
		if _, err := db.Submit(ctx, r.Name, filepath.Base(f.path), data, store.Source{Kind: "folder", Name: "submissions", At: f.at}, mail); err != nil {
			return err
		}
	}

	// The school's corrected file, for the newcomer's second upload.
	u := ros.Unit(demoSchool)
	var corrected string
	for _, s := range r.Sends {
		if s.Unit != demoSchool {
			continue
		}
		tmpl, err := os.ReadFile(filepath.Join(out, "templates", templates.FileName(r.Name, u)))
		if err != nil {
			return err
		}
		var buf bytes.Buffer
		if err := fill.Write(&buf, tmpl, s.Values.Corrected()); err != nil {
			return err
		}
		corrected = filepath.Join(out, "portal", strings.TrimSuffix(templates.FileName(r.Name, u), ".xlsx")+"（改正后）.xlsx")
		if err := os.MkdirAll(filepath.Dir(corrected), 0o755); err != nil {
			return err
		}
		if err := os.WriteFile(corrected, buf.Bytes(), 0o644); err != nil {
			return err
		}
	}
	links, err := db.NewLinks(ctx, r.Name, []string{demoSchool, u.Parent}, store.CLI)
	if err != nil {
		return err
	}
	password := "demo-" + strings.ToLower(rand.Text()[:8])
	if err := db.AddUser(ctx, store.User{Name: "shiju", Role: store.RoleBureau}, password, store.CLI); err != nil {
		return err
	}
	county := ros.Unit(u.Parent)
	return serve(ctx, e, db, addr, "", nil, func(a string) {
		base := "http://" + a
		fmt.Fprintf(e.stdout, `
填报平台已启动（演示）：%[1]s   按 Ctrl-C 停止
数据库：%[2]s（已载入演示轮次：除 %[3]s 外各单位的报送）

1. 学校 %[3]s 的登录链接：
   %[1]s/s/%[4]s
   先上传这个文件（有一处逻辑错误）：%[5]s
   看到审核结果、下载批注版后，再上传改正后的文件：%[6]s
2. 县区 %[7]s 的登录链接（审核上面这所学校）：
   %[1]s/s/%[8]s
3. 市教育局：%[1]s/login   用户名 shiju   密码 %[9]s
   （查看全市进度、下载全市汇总表；“数据核查”列出演示中埋下的可疑数据，可逐条填写说明）
`, base, dbPath, u.Name, links[demoSchool], schoolFile, corrected, county.Name, links[county.Code], password)
	})
}

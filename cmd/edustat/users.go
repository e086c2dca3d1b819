package main

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"os"
	"strings"

	"edustat/internal/table"
	"edustat/store"
)

var usersCmd = &command{
	name:    "users",
	summary: "manage the portal's staff accounts and API tokens",
	usage: `usage: edustat users add --db DB --role county|bureau [--unit CODE] [--password-file FILE] NAME
       edustat users reset --db DB [--password-file FILE] NAME
       edustat users disable|enable --db DB NAME
       edustat users list --db DB
       edustat users token --db DB [--label TEXT] NAME

Users keeps the accounts county and bureau staff sign in to the portal
with ('edustat serve'). Schools need none: they sign in with their unit's
link. Passwords are kept only as bcrypt hashes.

  add      makes an account: --role county with --unit the county's code,
           or --role bureau. The password is the first line of
           --password-file FILE; without it a random password is made and
           printed once.
  reset    gives the account a new password (the same way) and signs it
           out everywhere.
  disable  stops the account at once: its sessions and API tokens stop
           working. enable undoes it.
  list     prints every account.
  token    makes an API token that acts as the user for scripts calling
           /api/ (Authorization: Bearer TOKEN); it is printed once and kept
           only as a hash.

Flags:
      --db DB               the round database (required)
      --role ROLE           county or bureau (add)
      --unit CODE           the county's code (add, --role county)
      --password-file FILE  a file whose first line is the password
                            (at least 10 characters)
      --label TEXT          what the token is for (token)
`,
}

func init() { usersCmd.run = runUsers }

func runUsers(ctx context.Context, e *env, args []string) error {
	fs := flags(usersCmd, e)
	dsn := fs.String("db", "", "the round database")
	role := fs.String("role", "", "county or bureau")
	unit := fs.String("unit", "", "the county's code")
	pwFile := fs.String("password-file", "", "a file holding the password")
	label := fs.String("label", "", "what the token is for")
	if err := parse(usersCmd, e, fs, args); err != nil {
		return err
	}
	if fs.NArg() == 0 {
		return usageError("users: name an action: add, reset, disable, enable, list or token")
	}
	action, rest := fs.Arg(0), fs.Args()[1:]
	if *dsn == "" {
		return usageError("users: --db is required: the round database")
	}
	wantName := action != "list"
	switch {
	case !strings.Contains(" add reset disable enable list token ", " "+action+" "):
		return usageError("users: unknown action %q: want add, reset, disable, enable, list or token", action)
	case wantName && len(rest) != 1:
		return usageError("users %s: name one user", action)
	case !wantName && len(rest) != 0:
		return usageError("users list takes no user name")
	case action != "add" && (fs.Changed("role") || fs.Changed("unit")):
		return usageError("users %s: --role and --unit go with add", action)
	case action == "add" && *role != "county" && *role != "bureau":
		return usageError("users add: --role %q: want county or bureau", *role)
	case action == "add" && *role == "county" && *unit == "":
		return usageError("users add: --role county needs --unit, the county's code")
	case action == "add" && *role == "bureau" && *unit != "":
		return usageError("users add: a bureau user has no --unit")
	}
	db, err := openDB(ctx, *dsn)
	if err != nil {
		return err
	}
	defer db.Close()
	by := store.CLI
	switch action {
	case "add", "reset":
		pw, made, err := password(*pwFile)
		if err != nil {
			return err
		}
		if action == "add" {
			err = db.AddUser(ctx, store.User{Name: rest[0], Role: store.Role(*role), Unit: *unit}, pw, by)
		} else {
			err = db.SetPassword(ctx, rest[0], pw, by)
		}
		if errors.Is(err, store.ErrPassword) {
			return withHint(err, "put a password of at least %d characters in the file, or leave out --password-file for a random one", store.MinPassword)
		} else if err != nil {
			return err
		}
		if made {
			fmt.Fprintf(e.stdout, "用户 %s 的密码（只显示这一次）：%s\n", rest[0], pw)
		} else {
			fmt.Fprintf(e.stdout, "已设置用户 %s 的密码\n", rest[0])
		}
	case "disable", "enable":
		if err := db.SetDisabled(ctx, rest[0], action == "disable", by); err != nil {
			return err
		}
		fmt.Fprintf(e.stdout, "已%s用户 %s\n", map[string]string{"disable": "停用", "enable": "启用"}[action], rest[0])
	case "list":
		us, err := db.Users(ctx)
		if err != nil {
			return err
		}
		rows := [][]string{{"用户", "角色", "单位", "状态", "创建时间"}}
		for _, u := range us {
			state := "正常"
			if u.Disabled {
				state = "已停用"
			}
			rows = append(rows, []string{u.Name, string(u.Role), u.Unit, state, u.Created.Format("2006-01-02 15:04")})
		}
		table.Write(e.stdout, rows)
	case "token":
		tok, err := db.NewToken(ctx, rest[0], *label, by)
		if err != nil {
			return err
		}
		fmt.Fprintf(e.stdout, "用户 %s 的 API 令牌（只显示这一次）：%s\n", rest[0], tok)
	}
	return nil
}

// password reads the first line of file, or makes a random password when
// file is "" (made is then true).
func password(file string) (pw string, made bool, err error) {
	if file == "" {
		return rand.Text()[:16], true, nil
	}
	data, err := os.ReadFile(file)
	if err != nil {
		return "", false, err
	}
	line, _, _ := strings.Cut(string(data), "\n")
	return strings.TrimRight(line, "\r"), false, nil
}

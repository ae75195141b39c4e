package web

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"io"
	"io/fs"
	"log/slog"
	"net/http/httptest"
	"os"
	"path/filepath"
	"reflect"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/jackc/pgx/v5/pgconn"

	"lcrm/accounts"
	"lcrm/complaints"
	"lcrm/customers"
	"lcrm/internal/dberr"
	"lcrm/internal/errs"
	"lcrm/shipments"
)

// classify is the one mapping from an error to an answer: every kind, the database's
// three keys, a sentinel of each domain package, and a validation error with its fields.
func TestClassify(t *testing.T) {
	t.Parallel()
	var ve errs.ValidationError
	ve.AddKey("name", errs.KeyRequired, nil)
	tests := []struct {
		name       string
		err        error
		status     int
		code, key  string
		wantFields int
	}{
		{"not found", &errs.Error{Kind: errs.NotFound, Key: "k.nf"}, 404, "not_found", "k.nf", 0},
		{"invalid", &errs.Error{Kind: errs.Invalid, Key: "k.inv"}, 422, "invalid", "k.inv", 0},
		{"conflict", &errs.Error{Kind: errs.Conflict, Key: "k.c"}, 409, "conflict", "k.c", 0},
		{"forbidden", &errs.Error{Kind: errs.Forbidden, Key: "k.f"}, 403, "forbidden", "k.f", 0},
		{"unauthorized", &errs.Error{Kind: errs.Unauthorized, Key: "k.u"}, 401, "unauthorized", "k.u", 0},
		{"limited", &errs.Error{Kind: errs.Limited, Key: "k.l"}, 429, "rate_limited", "k.l", 0},
		{"unavailable", &errs.Error{Kind: errs.Unavailable, Key: "k.un"}, 503, "unavailable", "k.un", 0},
		{"bad text", fmt.Errorf("x: %w", &pgconn.PgError{Code: "22021"}), 400, "bad_input", dberr.KeyBadText, 0},
		{"timeout", fmt.Errorf("x: %w", context.DeadlineExceeded), 503, "timeout", dberr.KeyTimeout, 0},
		{"outage", &pgconn.PgError{Code: "57P01"}, 503, "unavailable", dberr.KeyUnavailable, 0},
		{"complaints.ErrNotFound", fmt.Errorf("p: %w", complaints.ErrNotFound), 404, "not_found", KeyAPINotFound, 0},
		{"complaints.ErrAlreadyClaimed", complaints.ErrAlreadyClaimed, 409, "claimed", "error.desk_claimed", 0},
		{"complaints.ErrIllegalTransition", complaints.ErrIllegalTransition, 409, "illegal_transition", "error.desk_transition", 0},
		{"complaints.ErrNotYours", complaints.ErrNotYours, 403, "forbidden", "error.desk_not_yours", 0},
		{"accounts.ErrResetLimited", accounts.ErrResetLimited, 429, "rate_limited", "error.accounts.reset_limited", 0},
		{"accounts.ErrBadKey", accounts.ErrBadKey, 401, "unauthorized", "error.accounts.bad_key", 0},
		{"customers.ErrSurveyClosed", customers.ErrSurveyClosed, 409, "conflict", "error.customers.survey_closed", 0},
		{"shipments.ErrNotFound", shipments.ErrNotFound, 404, "not_found", KeyAPINotFound, 0},
		{"shipments.ErrTooManySubscribers", shipments.ErrTooManySubscribers, 429, "rate_limited", "subscribe.full", 0},
		{"validation", fmt.Errorf("customers: create: %w", &ve), 422, "invalid", KeyAPIInvalid, 1},
		{"web.Error", Errorf(418, "teapot", "error.bad_request"), 418, "teapot", "error.bad_request", 0},
		{"too large", fiber.ErrRequestEntityTooLarge, 413, "too_large", "error.too_large", 0},
	}
	for _, tt := range tests {
		e := classify(tt.err)
		if e == nil {
			t.Errorf("%s: classified as a 500", tt.name)
			continue
		}
		if e.Status != tt.status || e.Code != tt.code || e.Message != tt.key || len(e.Fields) != tt.wantFields {
			t.Errorf("%s: %d %s %q (%d fields); want %d %s %q (%d fields)", tt.name,
				e.Status, e.Code, e.Message, len(e.Fields), tt.status, tt.code, tt.key, tt.wantFields)
		}
	}
	if e := classify(errors.New("boom")); e != nil {
		t.Errorf("an unknown error is %+v, want a 500", e)
	}
}

// errorApp answers every path with the error registered for it, through HandleError.
func errorApp(t *testing.T, routes map[string]error) *fiber.App {
	t.Helper()
	core, err := New(Deps{Log: discardLog()}, Config{Zone: time.UTC})
	if err != nil {
		t.Fatal(err)
	}
	app := fiber.New(fiber.Config{ErrorHandler: core.HandleError})
	for path, e := range routes {
		app.Get(path, func(*fiber.Ctx) error { return e })
	}
	return app
}

// A person reads every error message in their language, with the error's data filled
// in; an API client reads the same error in English, word for word as the API always
// answered.
func TestErrorMessagesTranslated(t *testing.T) {
	t.Parallel()
	notDate := &errs.Error{Kind: errs.Invalid, Key: "import.not_a_date", Data: map[string]any{"Value": `"31/11"`}}
	var ve errs.ValidationError
	ve.AddKey("weight_g", "field.api_json_type", map[string]any{"Want": "a whole number", "Got": "text"})
	routes := map[string]error{
		"/page/date": notDate, "/api/date": notDate,
		"/page/missing": shipments.ErrNotFound, "/api/missing": shipments.ErrNotFound,
		"/page/invalid": &ve, "/api/invalid": &ve,
		"/page/boom": errors.New("boom"), "/api/boom": errors.New("boom"),
		"/api/batch": Errorf(fiber.StatusRequestEntityTooLarge, "batch_size", "error.api_batch_size"),
		"/api/list": &Error{Status: 400, Code: "bad_json", Message: "error.api_not_list", Data: map[string]any{"Key": "shipments"},
			Fields: []errs.FieldError{errs.NewField("shipments", "field.api_not_list", nil)}},
	}
	app := errorApp(t, routes)
	pages := []struct{ path, lang, want, not string }{
		{"/page/date", "zh", `&#34;31/11&#34; 不是日期`, "import.not_a_date"},
		{"/page/date", "en", `&#34;31/11&#34; is not a date`, "no value"},
		{"/page/missing", "zh", "页面不存在。", "Not found."},
		{"/page/invalid", "zh", "提交的内容有误", "Some fields"},
		{"/page/boom", "zh", "系统繁忙", "Something went wrong on our side"},
	}
	for _, p := range pages {
		body := get(t, app, p.path+"?lang="+p.lang, "")
		if !strings.Contains(body, p.want) || strings.Contains(body, p.not) {
			t.Errorf("%s in %s: want %q and not %q in the page\n%s", p.path, p.lang, p.want, p.not, body)
		}
	}
	apis := []struct{ path, want string }{
		{"/api/date", `{"error":{"code":"invalid","fields":[],"message":"\"31/11\" is not a date (use 2026-11-22T08:30:00+08:00 or 2026-11-22 08:30)"}}`},
		{"/api/missing", `{"error":{"code":"not_found","fields":[],"message":"Not found."}}`},
		{"/api/invalid", `{"error":{"code":"invalid","fields":[{"field":"weight_g","message":"must be a whole number, got text"}],"message":"Some fields are not valid."}}`},
		{"/api/boom", `{"error":{"code":"internal","fields":[],"message":"Something went wrong on our side. Please try again shortly."}}`},
		{"/api/batch", `{"error":{"code":"batch_size","fields":[],"message":"Send between 1 and 1000 items per request."}}`},
		{"/api/list", `{"error":{"code":"bad_json","fields":[{"field":"shipments","message":"must be a list of objects"}],"message":"\"shipments\" must be a list of objects."}}`},
	}
	for _, a := range apis {
		if body := get(t, app, a.path, "zh"); body != a.want {
			t.Errorf("%s:\n got %s\nwant %s", a.path, body, a.want)
		}
	}
}

func get(t *testing.T, app *fiber.App, path, acceptLang string) string {
	t.Helper()
	req := httptest.NewRequest("GET", path, nil)
	if acceptLang != "" {
		req.Header.Set("Accept-Language", acceptLang)
	}
	resp, err := app.Test(req, -1)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return string(b)
}

// Every message an error literal in portal names (web.Errorf's message, an Error's
// Message, a field error's or errs value's key) is a catalogue key present in both
// languages: no English text can creep back into what a person reads.
func TestErrorMessagesAreKeys(t *testing.T) {
	t.Parallel()
	zh, en := catalogueKeys(t, "zh"), catalogueKeys(t, "en")
	var found int
	check := func(pos token.Position, lit ast.Expr) {
		b, ok := lit.(*ast.BasicLit)
		if !ok || b.Kind != token.STRING {
			return
		}
		key, err := strconv.Unquote(b.Value)
		if err != nil {
			t.Fatal(err)
		}
		found++
		if !zh[key] || !en[key] {
			t.Errorf("%s: %q is not a catalogue key in both languages (zh %v, en %v)", pos, key, zh[key], en[key])
		}
	}
	err := filepath.WalkDir("..", func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") {
			return err
		}
		fset := token.NewFileSet()
		f, err := parser.ParseFile(fset, path, nil, 0)
		if err != nil {
			return err
		}
		ast.Inspect(f, func(n ast.Node) bool {
			switch x := n.(type) {
			case *ast.CallExpr:
				name := calleeName(x.Fun)
				switch {
				case name == "Errorf" && len(x.Args) == 3 && !isFmt(x.Fun):
					check(fset.Position(x.Pos()), x.Args[2])
				case (name == "AddKey" || name == "NewField" || name == "badJSON") && len(x.Args) >= 2:
					idx := 1
					if name == "badJSON" {
						idx = 0
					}
					check(fset.Position(x.Pos()), x.Args[idx])
				case name == "New" && isPkg(x.Fun, "errs") && len(x.Args) == 3:
					check(fset.Position(x.Pos()), x.Args[1])
				case name == "New" && isPkg(x.Fun, "errors"):
					t.Errorf("%s: errors.New in portal: use an errs value with a catalogue key", fset.Position(x.Pos()))
				case name == "Add" && len(x.Args) >= 2:
					if _, ok := x.Args[1].(*ast.BasicLit); ok {
						t.Errorf("%s: a field error in English (Add): use AddKey", fset.Position(x.Pos()))
					}
				}
			case *ast.CompositeLit:
				if tn := calleeName(x.Type); tn == "Error" || tn == "FieldError" {
					for _, el := range x.Elts {
						if kv, ok := el.(*ast.KeyValueExpr); ok {
							if k, ok := kv.Key.(*ast.Ident); ok && (k.Name == "Message" && tn == "Error" || k.Name == "Key") {
								check(fset.Position(kv.Pos()), kv.Value)
							}
						}
					}
				}
			}
			return true
		})
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	for _, key := range []string{KeyAPINotFound, KeyAPIInvalid, KeyAPIInternal, badInputKey} {
		if !zh[key] || !en[key] {
			t.Errorf("%q is not a catalogue key in both languages", key)
		}
	}
	if found < 50 {
		t.Errorf("found only %d error messages in portal: is the walk reading the source?", found)
	}
}

// calleeName is the last name of a called function or a type: Errorf for web.Errorf.
func calleeName(e ast.Expr) string {
	switch x := e.(type) {
	case *ast.Ident:
		return x.Name
	case *ast.SelectorExpr:
		return x.Sel.Name
	case *ast.IndexExpr:
		return calleeName(x.X)
	}
	return ""
}

func isPkg(e ast.Expr, pkg string) bool {
	s, ok := e.(*ast.SelectorExpr)
	if !ok {
		return false
	}
	id, ok := s.X.(*ast.Ident)
	return ok && id.Name == pkg
}

func isFmt(e ast.Expr) bool { return isPkg(e, "fmt") }

// catalogueKeys is every key of the embedded catalogue files of one language.
func catalogueKeys(t *testing.T, lang string) map[string]bool {
	t.Helper()
	files, err := fs.Glob(catalogFS, "i18n/*."+lang+".json")
	if err != nil || len(files) == 0 {
		t.Fatalf("no %s catalogue: %v", lang, err)
	}
	out := map[string]bool{}
	for _, f := range files {
		raw, err := fs.ReadFile(catalogFS, f)
		if err != nil {
			t.Fatal(err)
		}
		var m map[string]string
		if err := json.Unmarshal(raw, &m); err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		for k := range m {
			out[k] = true
		}
	}
	return out
}

// The API catalogue's English and Chinese hold the same keys, and the Chinese keeps every
// template field of the English.
func TestAPIErrorCatalogue(t *testing.T) {
	t.Parallel()
	zh, en := readCatalogue(t, "apierrors", "zh"), readCatalogue(t, "apierrors", "en")
	fields := func(s string) []string {
		var out []string
		for _, part := range strings.Split(s, "{{.")[1:] {
			out = append(out, part[:strings.Index(part, "}}")])
		}
		return out
	}
	for k, v := range en {
		z, ok := zh[k]
		if !ok {
			t.Errorf("%s: no Chinese", k)
			continue
		}
		if !reflect.DeepEqual(fields(v), fields(z)) {
			t.Errorf("%s: template fields %v in English, %v in Chinese", k, fields(v), fields(z))
		}
	}
	if len(zh) != len(en) {
		t.Errorf("%d Chinese messages, %d English", len(zh), len(en))
	}
}

// Every field message has its English in errors.en.json, word for word (API answers show
// it), and a Chinese translation in errors.zh.json; the two files hold the same keys.
func TestMessagesInCatalogues(t *testing.T) {
	t.Parallel()
	zh, en := readCatalogue(t, "errors", "zh"), readCatalogue(t, "errors", "en")
	for key, english := range errs.Messages {
		if en[key] != english {
			t.Errorf("%s: errors.en.json says %q, errs.Messages %q", key, en[key], english)
		}
		if zh[key] == "" {
			t.Errorf("%s: missing from errors.zh.json", key)
		}
	}
	for key := range en {
		if _, ok := zh[key]; !ok {
			t.Errorf("%s: in errors.en.json, not in errors.zh.json", key)
		}
	}
	for key := range zh {
		if _, ok := en[key]; !ok {
			t.Errorf("%s: in errors.zh.json, not in errors.en.json", key)
		}
	}
}

// readCatalogue reads one catalogue file, i18n/NAME.LANG.json.
func readCatalogue(t *testing.T, name, lang string) map[string]string {
	t.Helper()
	raw, err := os.ReadFile(filepath.Join("i18n", name+"."+lang+".json"))
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]string
	if err := json.Unmarshal(raw, &m); err != nil {
		t.Fatal(err)
	}
	return m
}

func discardLog() *slog.Logger { return slog.New(slog.NewTextHandler(io.Discard, nil)) }

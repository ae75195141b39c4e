package web

// The web side of the portal: server-rendered pages, bilingual (Simplified Chinese by
// default, English), working without JavaScript.
//
// How to add a page:
//   - Write portal/web/templates/NAME.html containing {{define "title"}} and {{define "content"}}
//     (those two names are per page: every page is parsed into its own set together with
//     layout.html, so names never clash). Any other {{define}} must start with NAME_.
//   - A block several pages share (or one feature's part of another's page) goes in a
//     partial, templates/_NAME.html, defining only templates named NAME or NAME_*: every
//     partial is parsed into every page, so a page includes it with {{template "NAME" .}}
//     and a feature adds its part of a page in its own file.
//   - Every visible string goes through {{t "key"}} (or {{tf "key" "Name" .X}} with data)
//     with the key in both portal/web/i18n/AREA.zh.json and AREA.en.json (one pair of files per
//     area: active for the public site, console, kpi, jobs, ...; a key lives in one area).
//     Pages are parsed once per language at start-up, so translation costs nothing per
//     request.
//   - Render with s.Render(c, "NAME", data); the template sees .D (your data), .Lang,
//     .CSRF (put <input type="hidden" name="_csrf" value="{{.CSRF}}"> in every POST form),
//     .User (the logged-in user or nil), .Path and .Query.
//   - Protect a route with s.RequireRole(accounts.RoleShipper) (or a staff role: each role
//     includes the ones below it). Limit it with s.Limit(c, key, n, window).
//   - Handlers return errors; HandleError renders them as a translated error page.

import (
	"embed"
	"encoding/json"
	"fmt"
	"html"
	"html/template"
	"io/fs"
	"net/url"
	"path"
	"regexp"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/nicksnyder/go-i18n/v2/i18n"
	"golang.org/x/text/language"

	"lcrm/accounts"
	"lcrm/customers"
	"lcrm/internal/safetext"
)

//go:embed templates/*.html
var templateFS embed.FS

//go:embed i18n/*.json
var catalogFS embed.FS

//go:embed static
var staticFS embed.FS

// Languages the public pages speak; the first is the default.
var languages = []language.Tag{language.Chinese, language.English}

var langMatcher = language.NewMatcher(languages)

// langCode is the short code used in URLs and cookies.
func langCode(t language.Tag) string {
	if t == language.English {
		return "en"
	}
	return "zh"
}

// web holds the parsed pages per language and the translation bundle.
type web struct {
	bundle *i18n.Bundle
	pages  map[string]map[string]*template.Template // lang -> page -> template
	plain  map[string]map[string]string             // lang -> key -> message without data
	locs   map[string]*i18n.Localizer               // lang -> localizer, for messages with data
	zone   *time.Location
}

func newWeb(zone *time.Location) (*web, error) {
	b := i18n.NewBundle(language.Chinese)
	b.RegisterUnmarshalFunc("json", json.Unmarshal)
	files, err := fs.Glob(catalogFS, "i18n/*.json")
	if err != nil {
		return nil, err
	}
	for _, f := range files {
		if _, err := b.LoadMessageFileFS(catalogFS, f); err != nil {
			return nil, fmt.Errorf("portal: load %s: %w", f, err)
		}
	}
	w := &web{bundle: b, pages: map[string]map[string]*template.Template{}, plain: map[string]map[string]string{}, locs: map[string]*i18n.Localizer{}, zone: zone}
	names, err := fs.Glob(templateFS, "templates/*.html")
	if err != nil {
		return nil, err
	}
	for _, tag := range languages {
		lang := langCode(tag)
		w.pages[lang] = map[string]*template.Template{}
		loc := i18n.NewLocalizer(b, tag.String())
		w.locs[lang] = loc
		plain := plainMessages(loc)
		w.plain[lang] = plain
		funcs := w.funcs(loc, plain)
		layout, err := inlineMessages("templates/layout.html", plain)
		if err != nil {
			return nil, err
		}
		var partials []string
		for _, n := range names {
			if strings.HasPrefix(path.Base(n), "_") {
				body, err := inlineMessages(n, plain)
				if err != nil {
					return nil, err
				}
				partials = append(partials, body)
			}
		}
		for _, n := range names {
			page := strings.TrimSuffix(strings.TrimPrefix(n, "templates/"), ".html")
			if page == "layout" || strings.HasPrefix(page, "_") {
				continue
			}
			body, err := inlineMessages(n, plain)
			if err != nil {
				return nil, err
			}
			t, err := template.New("layout.html").Funcs(funcs).Parse(layout)
			for i := 0; err == nil && i < len(partials); i++ {
				_, err = t.New(fmt.Sprintf("partial%d", i)).Parse(partials[i])
			}
			if err == nil {
				_, err = t.New(path.Base(n)).Parse(body)
			}
			if err != nil {
				return nil, fmt.Errorf("portal: parse %s: %w", n, err)
			}
			w.pages[lang][page] = t
		}
	}
	return w, nil
}

// constMessage matches {{t "key"}} with a constant key.
var constMessage = regexp.MustCompile(`\{\{\s*t\s+"([a-z0-9_.]+)"\s*\}\}`)

// inlineMessages reads a template and writes each constant {{t "key"}} into it as escaped
// text, for one language: executing a template calls every function through reflection
// (with an escaper call after it), which made a third of the tracking page's CPU
// (BENCHMARKS.md). Pages have no script or style contexts (the CSP forbids them), so
// HTML-escaped text is right wherever a message appears. Unknown keys stay calls, so they
// still show themselves.
func inlineMessages(name string, plain map[string]string) (string, error) {
	raw, err := templateFS.ReadFile(name)
	if err != nil {
		return "", err
	}
	return constMessage.ReplaceAllStringFunc(string(raw), func(call string) string {
		msg, ok := plain[constMessage.FindStringSubmatch(call)[1]]
		if !ok || strings.Contains(msg, "{{") {
			return call
		}
		return html.EscapeString(msg)
	}), nil
}

// plainMessages translates every catalogue message once, so {{t}} is a map lookup: the
// tracking page calls it a few dozen times per view (BENCHMARKS.md).
func plainMessages(loc *i18n.Localizer) map[string]string {
	ids := map[string]string{}
	files, _ := fs.Glob(catalogFS, "i18n/*.zh.json")
	for _, f := range files {
		raw, _ := catalogFS.ReadFile(f)
		json.Unmarshal(raw, &ids)
	}
	out := make(map[string]string, len(ids))
	for id := range ids {
		if s, err := loc.Localize(&i18n.LocalizeConfig{MessageID: id}); err == nil {
			out[id] = s
		}
	}
	return out
}

// funcs are the template helpers bound to one language: t for plain messages, tf for
// messages with data ({{tf "key" "Name" .Value}}), tm for a key with a map of data.
func (w *web) funcs(loc *i18n.Localizer, plain map[string]string) template.FuncMap {
	return template.FuncMap{
		"t": func(key string) string {
			if s, ok := plain[key]; ok {
				return s
			}
			return key // a missing key shows itself; the catalogue test catches it
		},
		"tf": func(key string, args ...any) string {
			data := map[string]any{}
			for i := 0; i+1 < len(args); i += 2 {
				data[fmt.Sprint(args[i])] = args[i+1]
			}
			s, err := loc.Localize(&i18n.LocalizeConfig{MessageID: key, TemplateData: data})
			if err != nil {
				return key
			}
			return s
		},
		// tm is tf with the data as a map, for a message whose data came with an error.
		"tm": func(key string, data map[string]any) string {
			s, err := loc.Localize(&i18n.LocalizeConfig{MessageID: key, TemplateData: data})
			if err != nil {
				return key
			}
			return s
		},
		"time": func(t any) string {
			switch v := t.(type) {
			case time.Time:
				return v.In(w.zone).Format("2006-01-02 15:04")
			case *time.Time:
				if v != nil {
					return v.In(w.zone).Format("2006-01-02 15:04")
				}
			}
			return ""
		},
		// stafftext masks the phones inside free text on console pages (customers.MaskStaffText).
		"stafftext": customers.MaskStaffText,
		// when writes a <time> element: the text is in the site's zone (correct without
		// JavaScript), and /static/localtime.js rewrites it into the viewer's own zone.
		"when": func(t any) template.HTML {
			var v time.Time
			switch x := t.(type) {
			case time.Time:
				v = x
			case *time.Time:
				if x == nil {
					return ""
				}
				v = *x
			default:
				return ""
			}
			return w.when(v)
		},
		"zone":          func() string { return w.zone.String() },
		"datetimeLocal": func(t time.Time) string { return t.In(w.zone).Format("2006-01-02") },
		"add":           func(a, b int) int { return a + b },
		"hasPrefix":     strings.HasPrefix,
		// atLeast reports whether the viewer (.User) holds a staff role of min or above.
		"atLeast": func(u any, min string) bool {
			user, ok := u.(*accounts.User)
			return ok && user != nil && user.Role.AtLeast(accounts.Role(min))
		},
	}
}

// view is what every page template receives.
type view struct {
	D     any
	Lang  string
	CSRF  string
	User  any
	Path  string
	Query string
	// SwitchURL is this page in the other language: the same path and query, lang
	// replaced, so switching keeps a report's period and filters or a search.
	SwitchURL string
}

// Render executes a page in the request's language and sends it as HTML.
func (s *Core) Render(c *fiber.Ctx, page string, data any) error {
	lang := s.Lang(c)
	t := s.web.pages[lang][page]
	if t == nil {
		return fmt.Errorf("portal: no page %q", page)
	}
	v := view{D: data, Lang: lang, CSRF: s.CSRFToken(c), Path: c.Path(), Query: string(c.Request().URI().QueryString())}
	v.SwitchURL = switchURL(v.Path, v.Query, lang)
	if u := s.CurrentUser(c); u != nil {
		v.User = u
	}
	// Written straight into the response's pooled body buffer: a page of its own would be
	// allocated and grown for every view of the tracking page, the hot path.
	resp := c.Response()
	resp.ResetBody()
	if err := t.ExecuteTemplate(resp.BodyWriter(), "layout.html", v); err != nil {
		resp.ResetBody()
		return fmt.Errorf("portal: render %s: %w", page, err)
	}
	c.Type("html", "utf-8")
	// Text stored before input was checked may hold bidi override characters, which
	// would reorder what a person reads (a name, a note): pages never show them.
	if body := resp.Body(); len(body) > 0 {
		if clean := safetext.StripBidiBytes(body); len(clean) != len(body) {
			resp.SetBody(clean) // clean is a new slice, not the buffer it replaces
		}
	}
	return nil
}

// switchURL is path?query with lang set to the language other than lang.
func switchURL(path, query, lang string) string {
	q, err := url.ParseQuery(query)
	if err != nil {
		q = url.Values{}
	}
	other := "en"
	if lang == "en" {
		other = "zh"
	}
	q.Set("lang", other)
	return path + "?" + q.Encode()
}

// when is the <time> element for t: machine-readable instant, text in the site's zone.
func (w *web) when(t time.Time) template.HTML {
	return template.HTML(`<time datetime="` + t.UTC().Format(time.RFC3339) + `">` +
		t.In(w.zone).Format("2006-01-02 15:04") + `</time>`)
}

// text returns a message without data in lang, as {{t}} does, for views prepared in Go.
func (w *web) text(lang, key string) string {
	if s, ok := w.plain[lang][key]; ok {
		return s
	}
	return key
}

// textWith returns a message with data in lang, as {{tf}} does, for views prepared in Go.
func (w *web) textWith(lang, key string, data map[string]any) string {
	loc := w.locs[lang]
	if loc == nil {
		return key
	}
	s, err := loc.Localize(&i18n.LocalizeConfig{MessageID: key, TemplateData: data})
	if err != nil {
		return key
	}
	return s
}

// message returns one catalogue message in lang ("zh" or "en").
func (w *web) message(lang, key string) string {
	msg, err := i18n.NewLocalizer(w.bundle, lang).Localize(&i18n.LocalizeConfig{MessageID: key})
	if err != nil {
		return key
	}
	return msg
}

// Text returns a message without data in lang, as {{t}} does, for views prepared in Go.
func (s *Core) Text(lang, key string) string { return s.web.text(lang, key) }

// TextWith returns a message with data in lang, as {{tf}} does, for views prepared in Go.
func (s *Core) TextWith(lang, key string, data map[string]any) string {
	return s.web.textWith(lang, key, data)
}

// When is the <time> element for t: machine-readable instant, text in the site's zone.
func (s *Core) When(t time.Time) template.HTML { return s.web.when(t) }

// Message returns one catalogue message in lang ("zh" or "en").
func (s *Core) Message(lang, key string) string { return s.web.message(lang, key) }

// Plain is every message without data in lang, by key (for views prepared in Go).
func (s *Core) Plain(lang string) map[string]string { return s.web.plain[lang] }

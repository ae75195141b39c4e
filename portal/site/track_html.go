package site

import (
	"html"
	"html/template"
	"strings"
)

// parcelHTML writes the <article> of one found parcel for a visitor who has not verified
// it, byte for byte what track.html writes for it (TestParcelHTMLSameAsTemplate), without
// html/template: its two dozen actions each cost reflective calls and an escaper, which was
// a fifth of the page's CPU (issue #17). It is the page's common case; every rarer one (not
// found, verified, a disruption, delivered late, sent from the complaint form, archived
// events, an unsubscribe answer, a number with characters outside [0-9A-Za-z]) returns ""
// and track.html writes the article as before.
func (s *handler) parcelHTML(r *trackResult, lang, csrf, unsub string) template.HTML {
	if !r.Found || r.Verified || r.Disruption != nil || r.LateBy != "" || r.NeedVerify || r.Archived != nil ||
		r.Address != "" || r.Requests != nil || unsub != "" || !plainNumber(r.Number) {
		return ""
	}
	// Constant messages: track.html has them inlined with html.EscapeString (inlineMessages).
	t := func(key string) string { return html.EscapeString(s.Text(lang, key)) }
	n := r.Number
	var b strings.Builder
	b.Grow(3072)
	b.WriteString("\n<article class=\"parcel\" id=\"p-")
	b.WriteString(n)
	b.WriteString("\">\n  <h2><a href=\"/track/")
	b.WriteString(n)
	b.WriteString("\">")
	b.WriteString(n)
	b.WriteString("</a></h2>\n  \n    <p><span class=\"badge s-")
	escapeText(&b, r.Status)
	b.WriteString("\">")
	escapeText(&b, s.Text(lang, "status."+r.Status))
	b.WriteString("</span>\n       ")
	escapeText(&b, r.Origin)
	b.WriteString(" → ")
	escapeText(&b, r.Dest)
	b.WriteString("</p>\n    \n    ")
	if e := r.Estimate; e != nil {
		b.WriteString(`<p class="estimate`)
		if e.AfterMissed {
			b.WriteString(` delay"`)
			b.WriteString(` role="alert"`)
		} else {
			b.WriteString(`"`)
		}
		b.WriteString(">")
		escapeText(&b, s.TextWith(lang, e.Key, map[string]any{"Date": e.FromDate, "FromDate": e.FromDate, "ToDate": e.ToDate, "From": e.From, "To": e.To}))
		b.WriteString("</p>\n    ")
	} else if r.Late {
		b.WriteString(`<p class="delay" role="alert">`)
		b.WriteString(t("track.late"))
		b.WriteString("</p>")
	}
	b.WriteString("\n    <ol class=\"steps\">")
	b.WriteString(string(r.Steps))
	b.WriteString("</ol>\n    <dl class=\"facts\">\n      <dt>")
	b.WriteString(t("track.promised"))
	b.WriteString("</dt><dd>")
	b.WriteString(string(s.When(r.Promised)))
	b.WriteString("</dd>\n      ")
	if r.Delivered != nil {
		b.WriteString("<dt>")
		b.WriteString(t("track.signed"))
		b.WriteString("</dt><dd>")
		b.WriteString(string(s.When(*r.Delivered)))
		b.WriteString(" · ")
		escapeText(&b, r.SignedBy)
		b.WriteString("</dd>")
	}
	b.WriteString("\n      <dt>")
	b.WriteString(t("track.consignee"))
	b.WriteString("</dt><dd>")
	escapeText(&b, r.ConsigneeName)
	b.WriteString(" ")
	escapeText(&b, r.ConsigneePhone)
	b.WriteString("</dd>\n      \n      <dt>")
	b.WriteString(t("track.shipper"))
	b.WriteString("</dt><dd>")
	escapeText(&b, r.ShipperName)
	b.WriteString("</dd>\n    </dl>\n    \n    <form class=\"verify\" method=\"post\" action=\"/track/")
	b.WriteString(n)
	b.WriteString("/verify\">\n      <input type=\"hidden\" name=\"_csrf\" value=\"")
	escapeText(&b, csrf)
	b.WriteString("\">\n      \n      <label for=\"v-")
	b.WriteString(n)
	b.WriteString("\">")
	b.WriteString(t("verify.label"))
	b.WriteString("</label>\n      <input id=\"v-")
	b.WriteString(n)
	b.WriteString("\" name=\"last4\" inputmode=\"numeric\" pattern=\"[0-9]{4}\" maxlength=\"4\" required autocomplete=\"off\">\n      <button type=\"submit\">")
	b.WriteString(t("verify.button"))
	b.WriteString("</button>\n      ")
	if r.VerifyFailed {
		b.WriteString(`<p class="error" role="alert">`)
		b.WriteString(t("verify.failed"))
		b.WriteString("</p>")
	}
	b.WriteString("\n    </form>\n    \n    <form class=\"unsubscribe\" method=\"post\" action=\"/track/")
	b.WriteString(n)
	b.WriteString("/unsubscribe\">\n      <input type=\"hidden\" name=\"_csrf\" value=\"")
	escapeText(&b, csrf)
	b.WriteString("\">\n      <label for=\"unsub-")
	b.WriteString(n)
	b.WriteString("\">")
	b.WriteString(t("statussms.unsub_label"))
	b.WriteString("</label>\n      <input id=\"unsub-")
	b.WriteString(n)
	b.WriteString("\" name=\"phone\" type=\"tel\" maxlength=\"30\" autocomplete=\"tel\" required>\n      <button type=\"submit\">")
	b.WriteString(t("statussms.unsub_button"))
	b.WriteString("</button>\n      \n    </form>\n    <h3>")
	b.WriteString(t("track.timeline"))
	b.WriteString("</h3>\n    <ol class=\"timeline\">")
	b.WriteString(string(r.Timeline))
	b.WriteString("\n    </ol>\n  \n</article>\n")
	return template.HTML(b.String())
}

// plainNumber reports whether n needs no escaping in any of the article's contexts (text,
// attribute, URL path), so parcelHTML may write it as it is.
func plainNumber(n string) bool {
	if n == "" {
		return false
	}
	for i := 0; i < len(n); i++ {
		c := n[i]
		if !('0' <= c && c <= '9' || 'A' <= c && c <= 'Z' || 'a' <= c && c <= 'z') {
			return false
		}
	}
	return true
}

// escapeText writes s escaped as html/template escapes a string in text and in a quoted
// attribute (its htmlEscaper): the five HTML specials, '+' (&#43;) and NUL (U+FFFD), and
// nothing else. html.EscapeString differs ('+', NUL), and the page must stay byte-identical.
func escapeText(b *strings.Builder, s string) {
	last := 0
	for i := 0; i < len(s); i++ {
		var repl string
		switch s[i] {
		case 0:
			repl = "\uFFFD"
		case '"':
			repl = "&#34;"
		case '&':
			repl = "&amp;"
		case '\'':
			repl = "&#39;"
		case '+':
			repl = "&#43;"
		case '<':
			repl = "&lt;"
		case '>':
			repl = "&gt;"
		default:
			continue
		}
		b.WriteString(s[last:i])
		b.WriteString(repl)
		last = i + 1
	}
	b.WriteString(s[last:])
}

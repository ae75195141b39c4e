package customers

import (
	"regexp"
	"sort"
	"strings"
	"unicode"
	"unicode/utf8"
)

// signerRoles are the words couriers write as "signed by" that name a place or a role, not
// a person ("本人" is the consignee themself). They say nothing about who someone is and
// help a visitor find their parcel, so MaskSigner and MaskText leave them as they are.
var signerRoles = map[string]bool{
	"本人": true, "快递柜": true, "丰巢": true, "丰巢柜": true, "智能柜": true, "前台": true, "门卫": true,
	"保安": true, "物业": true, "家人": true, "家属": true, "亲属": true, "同事": true, "邻居": true,
	"室友": true, "朋友": true, "代收点": true, "驿站": true, "菜鸟驿站": true, "收发室": true,
	"传达室": true, "公司前台": true, "self": true, "locker": true, "reception": true,
}

// signerPlaces end the names of places that sign for parcels, so "丰巢快递柜", "小区门卫"
// or "兔喜驿站" read as places too. Only places: "王家人" could be a name.
var signerPlaces = []string{"快递柜", "智能柜", "自提柜", "驿站", "代收点", "自提点", "收发室", "传达室",
	"前台", "门卫", "门岗", "保安室", "物业", "locker", "reception", "front desk", "mailroom"}

// signerKin are relatives and others couriers write instead of a name; they name no one.
var signerKin = map[string]bool{"父亲": true, "母亲": true, "爸爸": true, "妈妈": true, "丈夫": true, "妻子": true,
	"老公": true, "老婆": true, "儿子": true, "女儿": true, "他人": true, "family": true, "neighbour": true,
	"neighbor": true, "security": true, "concierge": true, "guard": true}

// signedSuffixes are the verbs couriers write after a signer: "本人签收", "门卫代收".
var signedSuffixes = []string{"代签收", "代签", "代收", "签收", "签字", "签"}

// IsSignerRole reports whether a signer is a role or a place, not a person's name: "本人",
// "快递柜", "丰巢快递柜", "门卫代收", "本人签收", "家人", "Locker". Spaces, a leading
// "由"/"已" and a trailing "签收"/"代收" are read past.
func IsSignerRole(s string) bool {
	s = strings.ToLower(strings.TrimSpace(s))
	s = strings.TrimSpace(strings.TrimPrefix(strings.TrimPrefix(s, "已"), "由"))
	for _, suf := range signedSuffixes {
		if t := strings.TrimSpace(strings.TrimSuffix(s, suf)); t != s && t != "" {
			s = t
			break
		}
	}
	if signerRoles[s] || signerKin[s] {
		return true
	}
	for _, p := range signerPlaces {
		// A place word with at most a short name of its own in front ("丰巢", "3号楼").
		if strings.HasSuffix(s, p) && utf8.RuneCountInString(s)-utf8.RuneCountInString(p) <= 4 {
			return true
		}
	}
	return false
}

// MaskSigner is how a public view shows who signed for a parcel: a role or place ("本人",
// "快递柜", "前台", "本人签收", IsSignerRole) as written, a person's name masked by
// MaskName. A role with a remark in brackets keeps the remark only when it is a role too:
// "快递柜(丰巢)" as written, "家人(李燕洁)" as "家人(李*洁)".
func MaskSigner(s string) string {
	s = strings.TrimSpace(s)
	if open := strings.IndexAny(s, "(（"); open > 0 {
		r := []rune(s[open:])
		if end := r[len(r)-1]; end == ')' || end == '）' {
			inner := string(r[1 : len(r)-1])
			if !IsSignerRole(inner) {
				inner = MaskName(inner)
			}
			return MaskSigner(s[:open]) + string(r[0]) + inner + string(end)
		}
	}
	if IsSignerRole(s) {
		return s
	}
	for _, suf := range signedSuffixes { // "张三代收": the name masked, the verb kept
		if name := strings.TrimSpace(strings.TrimSuffix(s, suf)); name != s && name != "" {
			return MaskName(name) + suf
		}
	}
	return MaskName(s)
}

// signerPhrases find a person's name in the phrasings couriers use, so a signer named
// nowhere else is masked too: "由家人 李燕洁 代签收", "由张三代收", "签收人:李四".
var signerPhrases = []*regexp.Regexp{
	regexp.MustCompile(`由\s*(?:家人|家属|亲属|朋友|同事|邻居|室友)?\s*([\p{Han}A-Za-z·]{1,8}?)\s*代(?:签收|收|签)`),
	regexp.MustCompile(`(?:签收人|收件人|收货人|联系人|寄件人|取件人)\s*[:：]\s*([\p{Han}A-Za-z·]{1,8})`),
}

// datePrefix is a date a phone-number scan must not mistake for a number: "2026-11-25".
var datePrefix = regexp.MustCompile(`^(?:19|20)\d\d-[01]?\d-[0-3]?\d(?: [0-2]?\d)?$`)

// MaskText masks the personal data in free text shown to visitors who have not proved who
// they are (a tracking event's note or location): every occurrence of one of names (the
// people the parcel knows: consignee, signers, the shipper's contact) becomes its MaskName
// form, the name in a signer phrase ("由家人 李燕洁 代签收", "签收人:李四") is masked even
// when it is not one of names, and every phone-like run of digits (7 or more digits, with
// or without "+86", spaces, dashes or brackets) keeps its first three digits only; a lone
// group of four digits that are the last four of one of phones ("尾号8000") is starred
// whole. Names of one character are not searched for: they would mask ordinary words.
// To mask several texts of one parcel, make one TextMask.
func MaskText(text string, names, phones []string) string {
	return NewTextMask(names, phones).Mask(text)
}

// TextMask is MaskText prepared for one parcel's names and phones, so the many texts of a
// tracking page share the preparation.
type TextMask struct {
	names []string // longest first, so "李燕洁" is masked whole before "李燕" could match
	last4 map[string]bool
}

// NewTextMask prepares MaskText for the given names and phones.
func NewTextMask(names, phones []string) *TextMask {
	m := &TextMask{names: make([]string, 0, len(names)), last4: map[string]bool{}}
	for _, n := range names {
		n = strings.TrimSpace(n)
		if utf8.RuneCountInString(n) >= 2 && !IsSignerRole(n) {
			m.names = append(m.names, n)
		}
	}
	sort.Slice(m.names, func(i, j int) bool { return len(m.names[i]) > len(m.names[j]) })
	for _, p := range phones {
		if l := PhoneLast4(p); len(l) == 4 {
			m.last4[l] = true
		}
	}
	return m
}

// Mask is MaskText of text with the prepared names and phones.
func (m *TextMask) Mask(text string) string {
	if text == "" {
		return ""
	}
	for _, n := range m.names {
		if strings.Contains(text, n) {
			text = strings.ReplaceAll(text, n, MaskName(n))
		}
	}
	// Each phrase needs a character of its own; most texts have neither, and skip the scan.
	if strings.Contains(text, "代") {
		text = replaceGroup(signerPhrases[0], text, maskPerson)
	}
	if strings.Contains(text, "人") && strings.ContainsAny(text, ":：") {
		text = replaceGroup(signerPhrases[1], text, maskPerson)
	}
	if !strings.ContainsFunc(text, unicode.IsDigit) {
		return text
	}
	return maskDigitRuns(text, m.last4)
}

// maskPerson masks a name found in a signer phrase, unless it is a role ("前台").
func maskPerson(name string) string {
	if IsSignerRole(name) {
		return name
	}
	return MaskName(name)
}

// replaceGroup replaces the first capture group of every match of re in s by f of it.
func replaceGroup(re *regexp.Regexp, s string, f func(string) string) string {
	var b strings.Builder
	last := 0
	for _, m := range re.FindAllStringSubmatchIndex(s, -1) {
		if m[2] < 0 {
			continue
		}
		b.WriteString(s[last:m[2]])
		b.WriteString(f(s[m[2]:m[3]]))
		last = m[3]
	}
	if last == 0 {
		return s
	}
	b.WriteString(s[last:])
	return b.String()
}

// maskDigitRuns keeps the first three digits of every run of 7 or more digits (joined by
// spaces, dashes or brackets, at most two in a row, optionally after a "+") and stars the
// others. Dates ("2026-11-25") are left alone. A run of exactly four digits found in last4
// is starred whole.
func maskDigitRuns(s string, last4 map[string]bool) string {
	return mapDigitRuns(s, func(run []rune, n int) []rune {
		switch {
		case n == 4 && len(run) == 4 && last4[string(run)]:
			return []rune("****")
		case n < 7 || datePrefix.MatchString(string(run)):
			return run
		}
		return starDigits(run, 3, 0)
	})
}

// mapDigitRuns copies s with every run of digits (as runEnd reads it, a leading "+"
// included) replaced by what fn makes of it; n is the run's count of digits.
func mapDigitRuns(s string, fn func(run []rune, n int) []rune) string {
	r := []rune(s)
	out := make([]rune, 0, len(r))
	for i := 0; i < len(r); {
		if !unicode.IsDigit(r[i]) && (r[i] != '+' || i+1 >= len(r) || !unicode.IsDigit(r[i+1])) {
			out = append(out, r[i])
			i++
			continue
		}
		end, n := runEnd(r, i)
		out = append(out, fn(r[i:end], n)...)
		i = end
	}
	return string(out)
}

// starDigits stars the digits of run but the first front and the last back, keeping its
// spaces, dashes and brackets.
func starDigits(run []rune, front, back int) []rune {
	n := 0
	for _, c := range run {
		if unicode.IsDigit(c) {
			n++
		}
	}
	out := make([]rune, 0, len(run))
	seen := 0
	for _, c := range run {
		if unicode.IsDigit(c) {
			seen++
			if seen > front && seen <= n-back {
				c = '*'
			}
		}
		out = append(out, c)
	}
	return out
}

// runEnd returns where the digit run starting at r[i] ends (after its last digit) and how
// many digits it holds.
func runEnd(r []rune, i int) (end, n int) {
	j := i
	if r[j] == '+' {
		j++
	}
	for j < len(r) {
		if unicode.IsDigit(r[j]) {
			n++
			j++
			end = j
			continue
		}
		k := j
		for k < len(r) && k-j < 2 && isDigitSeparator(r[k]) {
			k++
		}
		if k == j || k >= len(r) || !unicode.IsDigit(r[k]) {
			break
		}
		j = k
	}
	return end, n
}

func isDigitSeparator(c rune) bool {
	return c == ' ' || c == '-' || c == '(' || c == ')' || c == '\u00a0' || c == '\u3000'
}

// MaskStaffText masks the phone numbers inside free text shown on staff pages (what a
// customer typed into a complaint, a message or an SMS reply): every phone-like run of 7 or
// more digits keeps its first three and last four digits, like MaskStaffPhone ("139 ****
// 5678"; a "+86" in front stays too), so a complaint page is no calling list while an agent
// can still match "尾号5678". Dates and shorter numbers stay as they are.
func MaskStaffText(text string) string {
	if !strings.ContainsFunc(text, unicode.IsDigit) {
		return text
	}
	return mapDigitRuns(text, func(run []rune, n int) []rune {
		if n < 7 || datePrefix.MatchString(string(run)) {
			return run
		}
		front := 3
		if strings.HasPrefix(string(run), "+86") && n > 11 {
			front = 5 // the country code and the first three of the number
		}
		return starDigits(run, front, 4)
	})
}

package notify

import (
	"strings"
)

// templates per kind and locale; {name} is replaced by Vars["name"]. {text} is the free
// text that is shortened to keep a message within the segment limit; {link} is never cut.
var templates = map[Kind]map[string]string{
	KindDelayApology: {
		"zh": "您的包裹{tracking_no}未能按时送达，我们深表歉意，正在加急处理。查看进度：{link}",
		"en": "Sorry, your parcel {tracking_no} is late. We are expediting it. Track: {link}",
	},
	KindShipperNotice: {
		"zh": "尊敬的{name}：您的货件{tracking_no}签收延迟，我们已跟进处理。详情：{link}",
		"en": "Dear {name}: delivery of {tracking_no} is delayed; we are on it. Details: {link}",
	},
	KindSurvey: {
		"zh": "您的包裹{tracking_no}已签收，感谢惠顾！请花一分钟评价我们的服务：{link}",
		"en": "Your parcel {tracking_no} was delivered. Thank you! Please rate our service: {link}",
	},
	KindComplaintFollowup: {
		"zh": "您的投诉{ref}已处理完毕，请为本次处理打分：{link}",
		"en": "Your complaint {ref} has been resolved. Please rate how we handled it: {link}",
	},
	KindComplaintReply: {
		"zh": "关于投诉{ref}的回复：{text} 详情：{link}",
		"en": "Reply on complaint {ref}: {text} Details: {link}",
	},
	KindHoliday: {
		"zh": "尊敬的{name}：{text}感谢您一直以来的支持！",
		"en": "Dear {name}: {text} Thank you for your continued trust!",
	},
	// The three status kinds share one short text: {text} is the status in words
	// ("正在派送", "is out for delivery"), so a Chinese one fits one segment.
	KindStatus:      statusTemplate,
	KindStatusNow:   statusTemplate,
	KindStatusFinal: statusTemplate,
	KindStaffAlert: {
		"zh": "【升级提醒】{text} {link}",
		"en": "[Escalation] {text} {link}",
	},
	// {text} is what was asked ("预约派送 12月3日 09:00-12:00", "change of address").
	KindRequestReceived: {
		"zh": "已收到您对包裹{tracking_no}的请求：{text}。处理结果将短信通知您，查看{link}",
		"en": "We received your request for parcel {tracking_no}: {text}. We will text you the answer. Track: {link}",
	},
	// {text} is the answer ("已受理", "未能受理：原因").
	KindRequestAnswered: {
		"zh": "您对包裹{tracking_no}的请求{text}，查看{link}",
		"en": "Your request for parcel {tracking_no} {text}. Track: {link}",
	},
	KindDisruption: { // {text} is the supervisor's notice in that language (lcrm/disruptions)
		"zh": "{text} 查看包裹{tracking_no}：{link}",
		"en": "{text} Parcel {tracking_no}: {link}",
	},
	KindPasswordReset: {
		"zh": "您的密码重置验证码为{code}，10分钟内有效。如非本人操作，请忽略本短信。",
		"en": "Your password reset code is {code}, valid for 10 minutes. If you did not ask for it, ignore this message.",
	},
}

// statusTemplate is the text of every status SMS.
var statusTemplate = map[string]string{
	"zh": "包裹{tracking_no}{text}，查看{link}",
	"en": "Your parcel {tracking_no} {text}. Track: {link}",
}

// render fills the template of kind in locale, adds the signature and shortens {text} so
// the body takes at most maxSegments segments (0: no limit).
func render(kind Kind, locale, signature string, vars map[string]string, maxSegments int) (string, error) {
	byLocale, ok := templates[kind]
	if !ok {
		return "", ErrUnknownKind
	}
	tpl, ok := byLocale[locale]
	if !ok {
		tpl = byLocale["zh"]
	}
	text := []rune(vars["text"])
	for {
		body := sign(locale, signature, fill(tpl, vars, string(text)))
		n, _ := Segments(body)
		if maxSegments <= 0 || n <= maxSegments || len(text) == 0 {
			return body, nil
		}
		// Cut the free text a few characters at a time and mark the cut with an ellipsis.
		cut := len(text) - 2 - len(text)/8 // at least one character goes each round
		if cut < 0 {
			cut = 0
		}
		text = append(text[:cut:cut], '…')
		if cut == 0 {
			text = nil
		}
	}
}

func fill(tpl string, vars map[string]string, text string) string {
	pairs := make([]string, 0, 2*len(vars)+2)
	for k, v := range vars {
		if k != "text" {
			pairs = append(pairs, "{"+k+"}", v)
		}
	}
	pairs = append(pairs, "{text}", text)
	out := strings.NewReplacer(pairs...).Replace(tpl)
	// A variable not supplied leaves no placeholder behind.
	for strings.Contains(out, "{") {
		i := strings.Index(out, "{")
		j := strings.Index(out[i:], "}")
		if j < 0 {
			break
		}
		out = out[:i] + out[i+j+1:]
	}
	return strings.TrimSpace(out)
}

// sign puts the signature in front for Chinese (the carriers' rule) and behind for English.
func sign(locale, signature, body string) string {
	if signature == "" {
		return body
	}
	if locale == "en" {
		return body + " " + signature
	}
	return signature + body
}

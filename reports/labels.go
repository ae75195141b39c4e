package reports

// Human labels of the codes and tile names the workbook shows, Chinese and English. The
// console shows the same words from its catalogues; a test in portal keeps the two equal.

// Kinds of code Label knows.
const (
	LabelTier     = "tier"     // shipper tier: key, regular, small
	LabelService  = "service"  // service level: standard, express, same_day
	LabelCategory = "category" // complaint category
	LabelCause    = "cause"    // complaint root cause
	LabelReason   = "reason"   // slow sign-off reason
	LabelState    = "state"    // complaint status, as staff name it
)

// labels maps kind → code → {Chinese, English}.
var labels = map[string]map[string][2]string{
	LabelTier: {"key": {"重点客户", "Key"}, "regular": {"普通客户", "Regular"}, "small": {"小客户", "Small"}},
	LabelService: {"standard": {"标准快递", "Standard"}, "express": {"特快", "Express"},
		"same_day": {"当日达", "Same day"}},
	LabelCategory: {"billing": {"费用问题", "Billing"}, "courier_attitude": {"快递员服务态度", "Courier's attitude"},
		"damaged": {"破损", "Damaged"}, "delayed": {"延误", "Delayed"}, "lost": {"丢失", "Lost"},
		"not_received_but_signed": {"未收到但显示已签收", "Not received but shown as signed"},
		"other":                   {"其他", "Other"}, "wrong_address": {"地址错误", "Wrong address"}},
	LabelCause: {"address_data": {"地址数据", "Address data"}, "courier": {"快递员", "Courier"},
		"customer": {"客户原因", "Customer"}, "linehaul": {"干线运输", "Linehaul"}, "other": {"其他", "Other"},
		"sorting_hub": {"分拣中心", "Sorting hub"}, "system": {"系统", "System"}, "weather": {"天气", "Weather"}},
	LabelState: {"new": {"新投诉", "New"}, "acknowledged": {"已受理", "Acknowledged"}, "in_progress": {"处理中", "In progress"},
		"waiting_customer": {"等待客户回复", "Waiting for the customer"}, "resolved": {"已解决", "Resolved"},
		"closed": {"已关闭", "Closed"}, "reopened": {"已重新打开", "Reopened"}},
	LabelReason: {"out_for_delivery": {"派送中超时", "out for delivery too long"},
		"at_station": {"到站未派送超时", "at the station too long"}, "past_promise": {"已过承诺时间", "past the promised time"}},
}

// Label is the human label of code of kind in lang ("zh" or "en"); an unknown code is
// returned as it is (a new code shows up rather than vanishing), "" stays "".
func Label(lang, kind, code string) string {
	l, ok := labels[kind][code]
	if !ok {
		return code
	}
	if lang == "en" {
		return l[1]
	}
	return l[0]
}

// LabelCodes lists the codes of kind Label knows (for the test that compares them with
// the console's catalogues).
func LabelCodes(kind string) []string {
	var out []string
	for c := range labels[kind] {
		out = append(out, c)
	}
	return out
}

// tileZH is the Chinese name of each tile (Summary.Tiles and ComplaintTiles).
var tileZH = map[string]string{
	"Created":                        "下单量",
	"Delivered":                      "签收量",
	"On-time rate":                   "准时率",
	"Sign-off lag median":            "签收时长中位数",
	"Sign-off lag p90":               "签收时长 P90",
	"Slow sign-offs":                 "慢签收件数",
	"Slow sign-off rate":             "慢签收率",
	"Surveys":                        "问卷数",
	"Survey response rate":           "问卷回复率",
	"CSAT (4–5 share)":               "满意度(4–5分占比)",
	"CSAT mean":                      "满意度均分",
	"NPS":                            "净推荐值 NPS",
	"CSAT on time":                   "准时件满意度",
	"CSAT late":                      "延误件满意度",
	"Complaints":                     "投诉数",
	"Complaints per 1,000 delivered": "每千件签收投诉数",
	"Repeat-complaint rate":          "重复投诉率",
	"First-response time median":     "首次响应时长中位数",
	"First-response SLA compliance":  "首次响应达标率",
	"Resolution time median":         "解决时长中位数",
	"Resolution SLA compliance":      "解决达标率",
	"Escalations":                    "升级次数",
}

// TileName is the tile's name in lang: its Chinese (tileZH) unless lang is "en".
func TileName(lang, name string) string {
	if zh, ok := tileZH[name]; ok && lang != "en" {
		return zh
	}
	return name
}

// unitZH is the Chinese of the Definition units.
var unitZH = map[string]string{"count": "件数", "%": "%", "duration": "时长", "score": "分值"}

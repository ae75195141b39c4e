package shipments

import "strings"

// cityEN is the English name of every city the service knows (the demo's places list,
// demo/names.go, and the other large cities of the mainland), keyed by the short Chinese
// name without 市, the form stations and hubs are named by ("北京转运中心").
var cityEN = map[string]string{
	"北京": "Beijing", "上海": "Shanghai", "天津": "Tianjin", "重庆": "Chongqing",
	"广州": "Guangzhou", "深圳": "Shenzhen", "东莞": "Dongguan", "佛山": "Foshan",
	"杭州": "Hangzhou", "宁波": "Ningbo", "温州": "Wenzhou", "金华": "Jinhua", "义乌": "Yiwu",
	"南京": "Nanjing", "苏州": "Suzhou", "无锡": "Wuxi", "济南": "Jinan", "青岛": "Qingdao",
	"郑州": "Zhengzhou", "洛阳": "Luoyang", "成都": "Chengdu", "绵阳": "Mianyang",
	"武汉": "Wuhan", "宜昌": "Yichang", "福州": "Fuzhou", "厦门": "Xiamen", "泉州": "Quanzhou",
	"晋江": "Jinjiang", "长沙": "Changsha", "西安": "Xi'an", "合肥": "Hefei", "芜湖": "Wuhu",
	"沈阳": "Shenyang", "大连": "Dalian", "石家庄": "Shijiazhuang", "太原": "Taiyuan",
	"呼和浩特": "Hohhot", "长春": "Changchun", "哈尔滨": "Harbin", "南昌": "Nanchang",
	"南宁": "Nanning", "海口": "Haikou", "贵阳": "Guiyang", "昆明": "Kunming", "拉萨": "Lhasa",
	"兰州": "Lanzhou", "西宁": "Xining", "银川": "Yinchuan", "乌鲁木齐": "Urumqi",
}

// facilityEN translates the kinds of place a tracking event happens at, by the suffix
// that names them.
var facilityEN = []struct{ zh, en string }{
	{"转运中心", "Transit Hub"}, {"分拨中心", "Sorting Centre"}, {"营业部", "Station"},
}

// KnownCity reports whether name (with or without 市) is a city PlaceEN translates.
func KnownCity(name string) bool {
	_, ok := cityEN[strings.TrimSuffix(strings.TrimSpace(name), "市")]
	return ok
}

// PlaceEN writes a place for the English page: a known city ("杭州市", "杭州") by its
// English name, and a place named after one ("杭州转运中心", "北京朝阳区人民路营业部") with
// the city and the kind of facility in English and the rest as written ("Beijing
// 朝阳区人民路 Station"). Anything else stays as written.
func PlaceEN(place string) string {
	s := strings.TrimSpace(place)
	match := "" // the longest city name s starts with
	for zh := range cityEN {
		if strings.HasPrefix(s, zh) && len(zh) > len(match) {
			match = zh
		}
	}
	if match == "" {
		return place
	}
	city, rest := cityEN[match], strings.TrimPrefix(strings.TrimPrefix(s, match), "市")
	suffix := ""
	for _, f := range facilityEN {
		if strings.HasSuffix(rest, f.zh) {
			rest, suffix = strings.TrimSuffix(rest, f.zh), f.en
			break
		}
	}
	return strings.Join(strings.Fields(strings.Join([]string{city, rest, suffix}, " ")), " ")
}

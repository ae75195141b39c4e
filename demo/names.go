package demo

// Word lists the generator draws from. Places are real provinces, cities and districts
// with their postal codes; people's names are common surnames and given-name characters
// with their pinyin (used to make plausible e-mail addresses). Everything here is a slice
// or a string, never a map, so the order the generator sees is fixed.

// provinceData is one province: its name, the transfer hub that serves it, its share of
// consignees, and its cities written as
// "city:district postal,district postal|city:...". The first city hosts the hub.
type provinceData struct {
	name   string
	hub    string
	weight int
	cities string
}

var provinceList = []provinceData{
	{"广东省", "广州转运中心", 14, "广州市:天河区 510630,越秀区 510030,海珠区 510220,白云区 510440,番禺区 511400|" +
		"深圳市:南山区 518052,福田区 518048,罗湖区 518001,宝安区 518101,龙岗区 518172|" +
		"东莞市:南城街道 523070,东城街道 523120,虎门镇 523900,长安镇 523850|" +
		"佛山市:禅城区 528000,南海区 528200,顺德区 528300"},
	{"浙江省", "杭州转运中心", 10, "杭州市:西湖区 310012,上城区 310002,拱墅区 310011,滨江区 310051,余杭区 311100,萧山区 311200|" +
		"宁波市:海曙区 315000,鄞州区 315100,江北区 315020|" +
		"温州市:鹿城区 325000,瓯海区 325005,龙湾区 325024|" +
		"金华市:婺城区 321000,义乌市 322000"},
	{"江苏省", "南京转运中心", 10, "南京市:玄武区 210018,鼓楼区 210009,秦淮区 210001,建邺区 210019,江宁区 211100|" +
		"苏州市:姑苏区 215000,工业园区 215021,吴中区 215100,相城区 215131|" +
		"无锡市:梁溪区 214000,滨湖区 214071,新吴区 214028"},
	{"上海市", "上海转运中心", 8, "上海市:浦东新区 200120,黄浦区 200001,徐汇区 200030,静安区 200040,长宁区 200050," +
		"普陀区 200333,闵行区 201100,宝山区 201900,杨浦区 200082"},
	{"北京市", "北京转运中心", 8, "北京市:朝阳区 100020,海淀区 100080,东城区 100010,西城区 100032,丰台区 100071," +
		"通州区 101100,昌平区 102200,大兴区 102600"},
	{"山东省", "济南转运中心", 7, "济南市:历下区 250014,市中区 250001,槐荫区 250022|" +
		"青岛市:市南区 266001,市北区 266011,崂山区 266100,黄岛区 266500"},
	{"河南省", "郑州转运中心", 6, "郑州市:金水区 450000,中原区 450007,二七区 450052,管城回族区 450000|" +
		"洛阳市:西工区 471000,洛龙区 471000"},
	{"四川省", "成都转运中心", 6, "成都市:锦江区 610021,青羊区 610031,武侯区 610041,成华区 610051,双流区 610200|" +
		"绵阳市:涪城区 621000"},
	{"湖北省", "武汉转运中心", 5, "武汉市:江汉区 430015,武昌区 430061,洪山区 430070,江岸区 430010,汉阳区 430050|" +
		"宜昌市:西陵区 443000"},
	{"福建省", "福州转运中心", 5, "福州市:鼓楼区 350001,台江区 350004,仓山区 350007|" +
		"厦门市:思明区 361001,湖里区 361006,集美区 361021|" +
		"泉州市:丰泽区 362000,鲤城区 362000,晋江市 362200"},
	{"湖南省", "长沙转运中心", 5, "长沙市:岳麓区 410006,芙蓉区 410011,天心区 410004,开福区 410005,雨花区 410007"},
	{"陕西省", "西安转运中心", 4, "西安市:雁塔区 710061,碑林区 710001,新城区 710004,莲湖区 710003,未央区 710014"},
	{"安徽省", "合肥转运中心", 4, "合肥市:蜀山区 230031,包河区 230041,庐阳区 230001,瑶海区 230011|" +
		"芜湖市:镜湖区 241000"},
	{"辽宁省", "沈阳转运中心", 4, "沈阳市:和平区 110001,沈河区 110011,皇姑区 110031,铁西区 110021|" +
		"大连市:中山区 116001,西岗区 116011,沙河口区 116021,甘井子区 116033"},
	{"重庆市", "重庆转运中心", 4, "重庆市:渝中区 400010,江北区 400020,南岸区 400060,沙坪坝区 400030," +
		"九龙坡区 400050,渝北区 401120"},
}

// gatewayHubs are national hubs that long-distance parcels sometimes pass through.
var gatewayHubs = []string{"郑州转运中心", "武汉转运中心", "上海转运中心", "广州转运中心", "北京转运中心"}

// shipperList holds the demo shipper companies as "name|home city|e-mail domain label".
var shipperList = []string{
	"杭州云裳服饰有限公司|杭州市|yunshang", "义乌市优品小商品贸易有限公司|金华市|youpin",
	"深圳市极光数码科技有限公司|深圳市|jiguang", "广州市美妍化妆品有限公司|广州市|meiyan",
	"上海悦享母婴用品有限公司|上海市|yuexiang", "北京博文图书发行有限公司|北京市|bowen",
	"苏州锦绣丝绸有限公司|苏州市|jinxiu", "成都蜀味食品有限公司|成都市|shuwei",
	"泉州市茗香茶业有限公司|泉州市|mingxiang", "宁波家家乐厨具有限公司|宁波市|jiajiale",
	"东莞市恒达电子有限公司|东莞市|hengda", "佛山市美居家电有限公司|佛山市|meiju",
	"温州市步云鞋业有限公司|温州市|buyun", "武汉楚天户外用品有限公司|武汉市|chutian",
	"长沙湘味坊食品有限公司|长沙市|xiangweifang", "西安秦岭山珍农产品有限公司|西安市|qinling",
	"青岛海之源海产品有限公司|青岛市|haizhiyuan", "厦门鹭岛文创有限公司|厦门市|ludao",
	"南京金陵电子商务有限公司|南京市|jinling", "合肥徽商优选贸易有限公司|合肥市|huishang",
	"郑州中原粮仓食品有限公司|郑州市|liangcang", "重庆山城火锅底料有限公司|重庆市|shancheng",
	"沈阳北方机械配件有限公司|沈阳市|beifang", "大连海韵服饰有限公司|大连市|haiyun",
	"无锡太湖珍珠饰品有限公司|无锡市|taihu", "杭州知味茶业有限公司|杭州市|zhiwei",
	"深圳市小鹿智能科技有限公司|深圳市|xiaolu", "广州市萌宠宠物用品有限公司|广州市|mengchong",
	"上海极简生活家居有限公司|上海市|jijian", "北京京韵文化传播有限公司|北京市|jingyun",
	"济南泉城医疗器械有限公司|济南市|quancheng", "成都熊猫文创有限公司|成都市|xiongmao",
	"苏州盛泽纺织品有限公司|苏州市|shengze", "金华婺州火腿食品有限公司|金华市|wuzhou",
	"福州闽江百货贸易有限公司|福州市|minjiang", "洛阳牡丹花卉有限公司|洛阳市|mudan",
	"宜昌三峡柑橘农业有限公司|宜昌市|sanxia", "芜湖江城电器有限公司|芜湖市|jiangcheng",
	"绵阳科创电子有限公司|绵阳市|kechuang", "深圳市优悦跨境电商有限公司|深圳市|youyue",
}

// Surnames and given-name characters, each a character followed by its pinyin; the
// surnames are in rough order of frequency.
var (
	surnameList = "王wang 李li 张zhang 刘liu 陈chen 杨yang 黄huang 赵zhao 吴wu 周zhou 徐xu 孙sun 马ma " +
		"朱zhu 胡hu 郭guo 何he 高gao 林lin 罗luo 郑zheng 梁liang 谢xie 宋song 唐tang 许xu 韩han " +
		"冯feng 邓deng 曹cao 彭peng 曾zeng 肖xiao 田tian 董dong 袁yuan 潘pan 于yu 蒋jiang 蔡cai " +
		"余yu 杜du 叶ye 程cheng 苏su 魏wei 吕lv 丁ding 任ren 沈shen"
	maleGivenList = "伟wei 强qiang 磊lei 军jun 洋yang 勇yong 杰jie 涛tao 明ming 超chao 华hua 平ping " +
		"刚gang 辉hui 鹏peng 建jian 文wen 斌bin 宇yu 浩hao 俊jun 峰feng 毅yi 健jian 志zhi 国guo " +
		"东dong 海hai 波bo 龙long 凯kai 晨chen"
	femaleGivenList = "芳fang 娜na 敏min 静jing 丽li 艳yan 娟juan 霞xia 秀xiu 玲ling 婷ting 雪xue " +
		"慧hui 颖ying 琳lin 欣xin 悦yue 佳jia 梅mei 倩qian 晶jing 燕yan 红hong 萍ping 丹dan " +
		"洁jie 露lu 蕾lei 薇wei 雯wen 诗shi 怡yi"
)

// Street-address parts: roads found in most Chinese cities, residential compounds and
// office buildings.
var (
	roads = []string{"人民路", "中山路", "解放路", "建设路", "和平路", "新华路", "胜利路", "长江路",
		"黄河路", "文化路", "青年路", "朝阳路", "光明路", "东风路", "复兴路", "幸福路", "团结路",
		"学府路", "科技路", "世纪大道", "滨江路", "花园路", "工业路", "迎宾大道"}
	compounds = []string{"锦绣花园", "阳光新城", "翠苑小区", "金色家园", "幸福家园", "滨江花园",
		"绿景苑", "国际公寓", "华庭", "天悦府", "湖畔雅居", "南苑小区", "明珠公寓", "和谐家园",
		"书香门第", "万家丽园"}
	buildings = []string{"世纪大厦", "金融中心", "科技大厦", "国贸中心", "创业园", "时代广场",
		"财富中心", "软件园"}
)

// mobilePrefixes are the first three digits of mainland mobile numbers the generator
// uses; all are valid for libphonenumber's CN metadata (the tests check a sample).
var mobilePrefixes = []string{"130", "131", "132", "133", "134", "135", "136", "137", "138",
	"139", "147", "150", "151", "152", "153", "155", "156", "157", "158", "159", "166", "173",
	"175", "176", "177", "178", "180", "181", "182", "183", "184", "185", "186", "187", "188",
	"189", "191", "198", "199"}

// Event wording.
var (
	exceptionNotes = []string{"外包装破损,已重新加固", "天气原因,航班延误", "分拣错误,已转回正确路线",
		"收件地址信息不完整,正在核实", "海关/安检抽检,等待放行"}
	failedNotes = []string{"收件人电话无人接听,将再次派送", "收件人不在家,已预约改日派送",
		"地址不详,正在联系收件人核实", "收件人要求改日派送"}
	emailDomains = []string{"163.com", "126.com", "qq.com", "sina.com", "foxmail.com"}
)

// hourWeights is the relative number of shipments created in each local hour of the day.
var hourWeights = [24]float64{0.2, 0.1, 0.05, 0.05, 0.05, 0.1, 0.3, 0.6, 1.0, 1.4, 1.6, 1.6,
	1.3, 1.3, 1.5, 1.6, 1.6, 1.5, 1.3, 1.2, 1.3, 1.4, 1.1, 0.6}

package customers_test

import (
	"strings"
	"testing"

	"lcrm/customers"
)

// Free text shown to unverified visitors: the parcel's names, signer phrases and phone
// numbers are masked; ordinary words, dates and short numbers are kept.
func TestMaskText(t *testing.T) {
	t.Parallel()
	names := []string{"张小明", "李燕洁", "本人", "李"}
	phones := []string{"+8613800138000", "+8657188886666"}
	tests := []struct {
		in, want string
	}{
		{"已由家人 李燕洁 代签收", "已由家人 李*洁 代签收"},
		{"已由家人 王美丽 代签收", "已由家人 王*丽 代签收"}, // not a known name: the phrase masks it
		{"已由王五代收", "已由王*代收"},
		{"已由前台代收", "已由前台代收"},
		{"已由门卫代收", "已由门卫代收"},
		{"已签收,签收人:本人。感谢使用,期待再次为您服务", "已签收,签收人:本人。感谢使用,期待再次为您服务"},
		{"签收人：赵六", "签收人：赵*"},
		{"张小明不在家,请联系 13800138000", "张*明不在家,请联系 138********"},
		{"联系电话 +86 138-0013-8000", "联系电话 +86 1**-****-****"},
		{"派送员 (0571) 8888 6666", "派送员 (057*) **** ****"},
		{"请联系尾号8000的收件人", "请联系尾号****的收件人"},
		{"１３８００１３８０００", "１３８********"},
		{"预约 2026-11-25 10:00 派送", "预约 2026-11-25 10:00 派送"},
		{"外包装破损,已重新加固", "外包装破损,已重新加固"},
		{"重量 1200 克, 3 件", "重量 1200 克, 3 件"},
		{"北京朝阳区望京街营业部", "北京朝阳区望京街营业部"},
		{"", ""},
	}
	for _, tt := range tests {
		if got := customers.MaskText(tt.in, names, phones); got != tt.want {
			t.Errorf("MaskText(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

// No mask may show any digit of the last four: they are the verify form's answer.
func TestMaskPhoneHidesLastFour(t *testing.T) {
	t.Parallel()
	for _, p := range []string{"+8613800138000", "+8613912345678", "+861065529988", "+14155552671", "+85221234567", "+8657188886666"} {
		m := customers.MaskPhone(p)
		last4 := customers.PhoneLast4(p)
		if strings.Count(m, "*") < 4 || !strings.HasSuffix(m, "****") {
			t.Errorf("MaskPhone(%q) = %q shows some of %s", p, m, last4)
		}
	}
	if got := customers.MaskSigner("快递柜"); got != "快递柜" {
		t.Errorf("MaskSigner(快递柜) = %q", got)
	}
	if got := customers.MaskSigner("李燕洁"); got != "李*洁" {
		t.Errorf("MaskSigner(李燕洁) = %q", got)
	}
}

func TestMaskStaffText(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"请打 13912345678", "请打 139****5678"},
		{"电话 139 1234 5678 谢谢", "电话 139 **** 5678 谢谢"},
		{"+86-137-0000-4321", "+86-137-****-4321"},
		{"8613700004321", "861******4321"},
		{"座机 010-6552-1234", "座机 010-****-1234"},
		{"2026-11-25 10 点前送到", "2026-11-25 10 点前送到"},
		{"订单 123456 尾号8000", "订单 123456 尾号8000"},
		{"没有数字", "没有数字"},
		{"", ""},
	} {
		if got := customers.MaskStaffText(tc.in); got != tc.want {
			t.Errorf("MaskStaffText(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

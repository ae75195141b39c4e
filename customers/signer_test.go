package customers_test

import (
	"testing"

	"lcrm/customers"
)

// Roles and places couriers write as the signer are shown as written; a person's name,
// however it is wrapped, is masked.
func TestMaskSigner(t *testing.T) {
	t.Parallel()
	tests := []struct{ in, want string }{
		{"本人", "本人"},
		{"快递柜", "快递柜"},
		{"本人签收", "本人签收"},
		{" 本人 ", "本人"},
		{"门卫", "门卫"},
		{"门卫代收", "门卫代收"},
		{"前台", "前台"},
		{"公司前台", "公司前台"},
		{"家人", "家人"},
		{"代收点", "代收点"},
		{"菜鸟驿站", "菜鸟驿站"},
		{"兔喜生活驿站", "兔喜生活驿站"},
		{"丰巢快递柜", "丰巢快递柜"},
		{"3号楼门卫", "3号楼门卫"},
		{"快递柜(丰巢)", "快递柜(丰巢)"},
		{"妈妈", "妈妈"},
		{"Locker", "Locker"},
		{"front desk", "front desk"},
		// People stay masked.
		{"李燕洁", "李*洁"},
		{"张三代收", "张*代收"},
		{"王家人", "王*人"},
		{"家人(李燕洁)", "家人(李*洁)"},
		{"李燕洁(本人)", "李*洁(本人)"},
		{"张伟签收", "张*签收"},
		{"Li Wei", "L****i"},
		{"", ""},
	}
	for _, tt := range tests {
		if got := customers.MaskSigner(tt.in); got != tt.want {
			t.Errorf("MaskSigner(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

// The same roles inside an event's note are left alone, names masked.
func TestMaskTextRoles(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in    string
		names []string
		want  string
	}{
		{"已签收,签收人:本人。感谢使用", []string{"本人", "张小明"}, "已签收,签收人:本人。感谢使用"},
		{"已由门卫代收", []string{"门卫"}, "已由门卫代收"},
		{"已放入快递柜,请凭取件码及时取件", []string{"快递柜"}, "已放入快递柜,请凭取件码及时取件"},
		{"签收人:本人签收", nil, "签收人:本人签收"},
		{"已由家人 李燕洁 代签收", []string{"李燕洁"}, "已由家人 李*洁 代签收"},
		{"由王五代收", nil, "由王*代收"},
	}
	for _, tt := range tests {
		if got := customers.MaskText(tt.in, tt.names, nil); got != tt.want {
			t.Errorf("MaskText(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

package demo

import (
	"math/rand/v2"
	"strings"
)

// province, city and district are the parsed form of provinceList.
type (
	province struct {
		name   string
		hub    string
		weight int
		cities []city
	}
	city struct {
		name      string
		districts []district
	}
	district struct {
		name, postal string
	}
	// place points at one district: province, city and district indexes.
	place struct{ p, c, d int }
	// person is a generated name with the pinyin of its parts.
	person struct{ name, pinyin string }
	// syllable is one character with its pinyin.
	syllable struct{ char, pinyin string }
)

var (
	provinces                   = parseProvinces()
	surnames                    = parseSyllables(surnameList)
	maleGiven                   = parseSyllables(maleGivenList)
	femaleGiven                 = parseSyllables(femaleGivenList)
	provinceTotal, provinceCums = cumulate(provinces)
)

func parseProvinces() []province {
	out := make([]province, len(provinceList))
	for i, pd := range provinceList {
		p := province{name: pd.name, hub: pd.hub, weight: pd.weight}
		for _, cs := range strings.Split(pd.cities, "|") {
			name, ds, _ := strings.Cut(cs, ":")
			c := city{name: name}
			for _, d := range strings.Split(ds, ",") {
				dn, postal, _ := strings.Cut(d, " ")
				c.districts = append(c.districts, district{dn, postal})
			}
			p.cities = append(p.cities, c)
		}
		out[i] = p
	}
	return out
}

func parseSyllables(s string) []syllable {
	var out []syllable
	for _, f := range strings.Fields(s) {
		r := []rune(f)
		out = append(out, syllable{string(r[0]), string(r[1:])})
	}
	return out
}

func cumulate(ps []province) (int, []int) {
	cums := make([]int, len(ps))
	total := 0
	for i, p := range ps {
		total += p.weight
		cums[i] = total
	}
	return total, cums
}

// findCity returns the place of a city's first district by the city's name.
func findCity(name string) place {
	for pi, p := range provinces {
		for ci, c := range p.cities {
			if c.name == name {
				return place{pi, ci, 0}
			}
		}
	}
	panic("demo: unknown city " + name)
}

// randomPlace picks a district, provinces weighted by their share and the first (largest)
// city of a province twice as often as each other city.
func randomPlace(r *rand.Rand) place {
	x := r.IntN(provinceTotal)
	pi := 0
	for provinceCums[pi] <= x {
		pi++
	}
	p := provinces[pi]
	ci := r.IntN(len(p.cities) + 1)
	if ci == len(p.cities) {
		ci = 0
	}
	return place{pi, ci, r.IntN(len(p.cities[ci].districts))}
}

func (pl place) province() *province { return &provinces[pl.p] }
func (pl place) city() *city         { return &provinces[pl.p].cities[pl.c] }
func (pl place) district() *district { return &provinces[pl.p].cities[pl.c].districts[pl.d] }

// cityShort is the city's name without 市, as stations and centres are named: "北京".
func (pl place) cityShort() string { return strings.TrimSuffix(pl.city().name, "市") }

// sortCenter is the city's own sorting centre: the provincial hub in the hub city, a
// "分拨中心" elsewhere.
func (pl place) sortCenter() string {
	if pl.c == 0 {
		return pl.province().hub
	}
	return pl.cityShort() + "分拨中心"
}

// station is the delivery station serving an address on road: "北京朝阳区人民路营业部".
func (pl place) station(road string) string {
	return pl.cityShort() + pl.district().name + road + "营业部"
}

// route lists the hubs a parcel passes between two cities: one for the same city, one or
// two within a province, two or three between provinces.
func route(r *rand.Rand, from, to place) []string {
	if from.p == to.p && from.c == to.c {
		return []string{from.sortCenter()}
	}
	if from.p == to.p {
		hubs := []string{from.province().hub}
		if to.c != 0 && r.IntN(10) < 3 {
			hubs = append(hubs, to.sortCenter())
		}
		return hubs
	}
	a, b := from.province().hub, to.province().hub
	if r.IntN(10) < 2 {
		g := gatewayHubs[r.IntN(len(gatewayHubs))]
		if g != a && g != b {
			return []string{a, g, b}
		}
	}
	return []string{a, b}
}

// randomPerson makes a Chinese name of two or three characters, mostly of one gender's
// common characters; surnames near the top of the list are more likely.
func randomPerson(r *rand.Rand) person {
	f := r.Float64()
	s := surnames[int(f*f*float64(len(surnames)))]
	given := maleGiven
	if r.IntN(2) == 0 {
		given = femaleGiven
	}
	g1 := given[r.IntN(len(given))]
	name, py := s.char+g1.char, s.pinyin+g1.pinyin
	if r.IntN(10) < 6 {
		g2 := given[r.IntN(len(given))]
		name, py = name+g2.char, py+g2.pinyin
	}
	return person{name, py}
}

// pick returns one element of list.
func pick(r *rand.Rand, list []string) string { return list[r.IntN(len(list))] }

"""Administrative divisions (admdvs): 6-digit codes, province = first 2 digits."""
from __future__ import annotations

PROVINCES = {
    "11": "北京", "12": "天津", "13": "河北", "14": "山西", "15": "内蒙古", "21": "辽宁", "22": "吉林",
    "23": "黑龙江", "31": "上海", "32": "江苏", "33": "浙江", "34": "安徽", "35": "福建", "36": "江西",
    "37": "山东", "41": "河南", "42": "湖北", "43": "湖南", "44": "广东", "45": "广西", "46": "海南",
    "50": "重庆", "51": "四川", "52": "贵州", "53": "云南", "54": "西藏", "61": "陕西", "62": "甘肃",
    "63": "青海", "64": "宁夏", "65": "新疆",
}

# Cities/prefectures the sandbox and the UI name; anything else is shown by province.
PLACES = {
    "460100": "海南省海口市", "460000": "海南省", "450100": "广西南宁市", "310000": "上海市",
    "310100": "上海市", "320100": "江苏南京市", "510100": "四川成都市", "520100": "贵州贵阳市",
    "530100": "云南昆明市", "500000": "重庆市", "500100": "重庆市", "540100": "西藏拉萨市",
    "110000": "北京市", "440100": "广东广州市", "450000": "广西壮族自治区", "320000": "江苏省",
}


def province_of(admdvs: str | None) -> str:
    return (admdvs or "")[:2]


def is_cross_province(insured: str | None, treatment: str | None) -> bool:
    """True when the insured place and the place of treatment are in different provinces."""
    a, b = province_of(insured), province_of(treatment)
    return bool(a and b and a != b)


def place_name(admdvs: str | None) -> str:
    if not admdvs:
        return "未知"
    if admdvs in PLACES:
        return PLACES[admdvs]
    prov = PROVINCES.get(admdvs[:2])
    return f"{prov}({admdvs})" if prov else admdvs

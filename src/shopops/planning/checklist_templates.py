"""The checklists ShopOps ships, in its own words from the seeds: the store launch check
(seed 000: 资质、页面、功能完整性) and the daily check (seed 004, step 2). An item with a
data check (`auto`) is ticked by the data with its evidence (monitoring.checklists); the
rest by a person. Teams edit these on the checklists page or add their own."""

LAUNCH = "launch"
DAILY = "daily"

SHIPPED = {
    DAILY: ("每日检查", True, [
        ("热销 SKU 库存高于预警线", "hot_stock"),
        ("付款超过发货承诺的订单已处理", "overdue_orders"),
        ("评分与差评：昨日没有 1–2 星评价，评分与 DSR 没有下滑", "reviews"),
        ("昨日数据已到（订单已导入或已接入）", "data_arrived"),
        ("促销价格与活动时间与计划一致", "campaign_prices"),
        ("首页、主推商品详情页展示正常", ""),
        ("直通车、引力魔方等推广计划消耗正常", ""),
        ("客服咨询与评价已回复", ""),
    ]),
    LAUNCH: ("店铺上线检查", False, [
        ("资质：营业执照、品牌授权、行业资质已上传并通过审核", ""),
        ("页面：店铺首页、分类页、商品详情页完整，图片与文案无误", ""),
        ("商品：价格、库存、SKU 规格、运费模板已核对", ""),
        ("功能：下单、支付、优惠券、退款流程已测试", ""),
        ("客服：自动回复、快捷短语、客服分流已设置", ""),
        ("物流：发货地址、物流模板与承诺发货时间已设置", ""),
        ("推广：首批推广计划与预算已建好，待上线开启", ""),
    ]),
}  # fmt: skip

-- Register Online Retail again exactly as test/load_online_retail.sql does
-- (table order_lines is already loaded), for the tests that follow.
SELECT insight_register_sales('order_lines',
    customer_column   => 'customer_id',
    time_column       => 'invoice_date',
    order_column      => 'invoice_no',
    item_column       => 'stock_code',
    quantity_column   => 'quantity',
    unit_price_column => 'unit_price',
    options => '{"return_order_prefix": "C",
                 "exclude_items": ["POST", "DOT", "M", "m", "D", "C2", "CRUK", "PADS", "B",
                                   "BANK CHARGES", "AMAZONFEE", "S"]}');

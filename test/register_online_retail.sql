-- Register the Online Retail table order_lines as the sales source.
-- Cleaning: guest rows dropped; cancellations (InvoiceNo 'C...') are returns;
-- non-product lines (postage, manual, discount, fees) excluded; non-positive
-- prices dropped.
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

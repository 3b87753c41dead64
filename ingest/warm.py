"""Importing this module reads one made-up dossier page the way a text PDF's page is read (the layer judged and
normalised, every field rule run). The readers' server (archive.isolation) imports it before it forks any pool
process: what the rules build on first use (about a hundred regular expressions compiled on first call, the label
tables' caches) is then built once and inherited by every pool process, instead of once in each."""

from __future__ import annotations

import logging

from ingest.pipeline import read_text_layer

# Made up for this purpose, in the shape of the records the rules read: letterhead, title, labelled lines, a table
# row, a transfer sentence, a signature block.
_PAGE = """BỘ TƯ LỆNH QUÂN KHU 4
LỮ ĐOÀN PHÁO BINH 164
Số: 58/BB-KT
CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM
Độc lập - Tự do - Hạnh phúc
Nghệ An, ngày 09 tháng 5 năm 1994
BIÊN BẢN KIỂM TRA KỸ THUẬT
Tên TBKT ...... Pháo lựu 122 mm D-30
Kiểu loại ...... D-30
Số đăng ký ...... PL-04-217
Nhà sản xuất ...... Nhà máy số 9
Năm xuất xưởng ...... 1979
Đơn vị sử dụng ...... Lữ đoàn pháo binh 164
Cấp chất lượng ...... Cấp 2
Cấp sửa chữa: Sửa chữa vừa (SCV)
TT Hệ thống, cụm Tình trạng kỹ thuật Ghi chú
1 Nòng pháo Tốt
Ngày 12/03/1995 bàn giao cho Trung đoàn 335 theo Quyết định số 112/QĐ-TM.
Kết luận: Trang bị đạt cấp chất lượng 2.
TỔ TRƯỞNG TỔ KIỂM TRA
(Ký, ghi rõ họ tên)
Thiếu tá Lê Văn Hải
"""


def warm_up() -> None:
    try:
        read_text_layer(_PAGE)
    except Exception:  # a warm-up that fails costs speed, never a file: the first real page builds it all again
        logging.getLogger(__name__).warning("reader warm-up failed", exc_info=True)


warm_up()

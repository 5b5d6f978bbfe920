/* carto — « Signaler une erreur » (/signaler/…): the form needs no map, only its error
 * summary focused after a refused submission. */
import {focusErrorSummary} from "./modules/errors.js";

focusErrorSummary();

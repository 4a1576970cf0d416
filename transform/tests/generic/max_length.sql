{#- Rows whose text is longer than `length` characters (e.g. a token's last eight: never more). -#}
{% test max_length(model, column_name, length) %}
select {{ column_name }}
from {{ model }}
where {{ dbt.length(column_name) }} > {{ length }}
{% endtest %}
